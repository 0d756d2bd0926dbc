import assert from 'node:assert/strict';

/**
 * What hostile content in the fixtures (test/fixtures/portal's hostile component, the
 * seeded history's free text) would leave in a page had it not been escaped or refused.
 */
const HOSTILE_MARKERS = [
  '<script>window.__xss',
  'onerror="window',
  '<img src=x',
  'href="javascript:',
  "href='javascript:",
  '<svg onload',
  '<b>bold</b>',
  'href="data:',
];

/**
 * Asserts a portal page is safe: served as HTML under a strict content security policy
 * with the security headers, with no hostile markup unescaped, no inline script and no
 * inline style. Returns its HTML for the test's own assertions.
 */
export async function expectSafePage(res: Response, where: string): Promise<string> {
  assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  const html = await res.text();
  for (const marker of HOSTILE_MARKERS) assert.ok(!html.includes(marker), `${where} contains ${marker} unescaped`);
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
  assert.doesNotMatch(html, /\sstyle=/, 'no inline style');
  return html;
}

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { browserSkip, CHROMIUM } from './support/browser.ts';
import type { ExecutionContext, Json, RunnerSettings, WorkOutcome } from '../src/runners/model.ts';
import { BrowserPool } from '../src/checks/browser-pool.ts';
import { checkExecutor, REDACTED } from '../src/checks/check-executor.ts';
import type { CheckRunDetail } from '../src/checks/model.ts';

/**
 * Browser checks run for real: Debian's chromium (one browser for the whole file, as a
 * runner keeps one), scripts against pages served on loopback. Timings asserted are the
 * page's own (performance marks and timers measured in the page), never the wall clock.
 */

const settings = (allowedPrivateTargets: string[] = ['127.0.0.1']): RunnerSettings => ({
  location: 'local',
  tags: [],
  allowedPrivateTargets,
  allowedCommands: [],
  allowedWorkingDirectories: [],
  allowedEnvironment: [],
});
const context = (over: Partial<ExecutionContext> = {}): ExecutionContext => ({
  signal: new AbortController().signal,
  secrets: {},
  settings: settings(),
  now: () => Date.now(),
  ...over,
});
const payload = (script: string, timeoutMs = 15_000): Json =>
  ({
    request: { type: 'browser', script },
    timeoutMs,
    retries: { strategy: 'fixed', count: 0, delayMs: 0 },
  }) as unknown as Json;
const detailOf = (o: WorkOutcome) => o.detail as unknown as CheckRunDetail;

/** The page's mark comes this long after its navigation started (a timer in the page). */
const MARK_DELAY_MS = 300;
/** The script clicks only once the page has been alive this long (by the page's own clock). */
const CLICK_AFTER_MS = 600;

const APP = `<!doctype html><html lang="en"><head><title>Shop</title></head><body>
<h1>Welcome to the shop, where every parcel finds its way home</h1>
<label>Name <input id="name"></label><button id="go" type="button">Greet</button>
<p id="out"></p>
<script>
document.getElementById('go').addEventListener('click', () => {
  document.getElementById('out').textContent = 'Hello ' + document.getElementById('name').value;
});
setTimeout(() => performance.mark('ttfmi'), ${MARK_DELAY_MS});
</script></body></html>`;

const ECHO = (text: string) =>
  `<!doctype html><html lang="en"><head><title>Echo</title></head><body><p id="said" style="font: 32px monospace">${text}</p></body></html>`;

let base = '';
const target = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  res.setHeader('content-type', 'text/html; charset=utf-8');
  if (url.pathname === '/app') res.end(APP);
  else if (url.pathname === '/echo')
    res.end(ECHO((url.searchParams.get('q') ?? '').replace(/[<&]/g, (c) => (c === '<' ? '&lt;' : '&amp;'))));
  else if (url.pathname === '/hang') setTimeout(() => res.end('too late'), 30_000).unref();
  else res.end('<!doctype html><title>ok</title><p>ok</p>');
});

const pool = new BrowserPool({ executablePath: CHROMIUM });
const executor = checkExecutor({ browserPool: pool });

describe('browser checks', { skip: browserSkip, concurrency: false }, () => {
  before(async () => {
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    // The browser and the first thread start here, not inside the first test's timeout.
    const warm = await executor.run(payload(`await page.goto('${base}/');`, 60_000), context());
    assert.equal(warm.status, 'success', warm.summary);
  });
  after(async () => {
    await executor.close?.();
    target.closeAllConnections();
    await new Promise((resolve) => target.close(resolve));
  });

  it('a passing multi-step script: navigate, fill, click, check text; with web vitals and ttfmi', async () => {
    const out = await executor.run(
      payload(`
        await step('open the shop', () => page.goto('${base}/app'));
        await step('type a name', () => page.fill('#name', 'Ada'));
        await page.waitForFunction(() => performance.now() > ${CLICK_AFTER_MS});
        await step('greet', () => page.click('#go'));
        await step('see the greeting', async () => assert.equal(await page.textContent('#out'), 'Hello Ada'));
      `),
      context(),
    );
    assert.equal(out.status, 'success', out.summary);
    const detail = detailOf(out);
    assert.deepEqual(
      detail.assertions.map((a) => [a.assertion, a.passed]),
      [
        ['step: open the shop', true],
        ['step: type a name', true],
        ['step: greet', true],
        ['step: see the greeting', true],
      ],
    );
    const browser = detail.browser;
    assert.ok(browser);
    assert.equal(browser.url, `${base}/app`);
    const v = browser.vitals;
    assert.ok(v.ttfb !== undefined && v.ttfb >= 0, `ttfb ${v.ttfb}`);
    assert.ok(v.lcp !== undefined && v.lcp >= (v.ttfb ?? 0), `lcp ${v.lcp} after ttfb ${v.ttfb}`);
    assert.equal(v.cls, 0, 'nothing shifts on this page');
    assert.ok(v.inp !== undefined && v.inp >= 0, `inp ${v.inp} (the script clicked)`);
    // The click came after CLICK_AFTER_MS of the page's time: the later side of ttfmi.
    assert.ok(v.ttfmi !== undefined && v.ttfmi >= CLICK_AFTER_MS, `ttfmi ${v.ttfmi}`);
    assert.ok(detail.timings.firstByte !== undefined && detail.timings.total >= (v.ttfb ?? 0));
    assert.equal(detail.screenshot, undefined, 'no screenshot of a passing run');
  });

  it('ttfmi is the page mark when it comes after the first interaction, and only the mark without one', async () => {
    const out = await executor.run(
      payload(
        `await page.goto('${base}/app'); await page.waitForFunction(() => performance.getEntriesByName('ttfmi').length > 0);`,
      ),
      context(),
    );
    assert.equal(out.status, 'success', out.summary);
    const v = detailOf(out).browser?.vitals;
    assert.ok(v?.ttfmi !== undefined && v.ttfmi >= MARK_DELAY_MS, `ttfmi ${v?.ttfmi}`);
    assert.equal(v?.inp, undefined, 'no interaction, no INP');
  });

  it('a failing script: the failing step, a bounded screenshot and the start of the page text', async () => {
    const out = await executor.run(
      payload(`
        await step('open the shop', () => page.goto('${base}/app'));
        await step('see a greeting', async () => assert.equal(await page.textContent('#out'), 'Hello Bob'));
      `),
      context(),
    );
    assert.equal(out.status, 'failure');
    const detail = detailOf(out);
    assert.deepEqual(
      detail.assertions.map((a) => a.passed),
      [true, false],
    );
    assert.match(detail.assertions[1]?.actual ?? '', /Hello Bob/);
    assert.ok(detail.screenshot, 'a screenshot of the failing page');
    const image = Buffer.from(detail.screenshot, 'base64');
    assert.deepEqual([...image.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG');
    assert.ok(image.length <= 128 * 1024);
    assert.match(detail.excerpt ?? '', /Welcome to the shop/);
  });

  it('a script that throws fails with its message', async () => {
    const out = await executor.run(
      payload(`await page.goto('${base}/'); throw new Error('the basket is empty');`),
      context(),
    );
    assert.equal(out.status, 'failure');
    assert.match(out.summary, /the basket is empty/);
    const syntax = await executor.run(payload('this is not javascript'), context());
    assert.equal(syntax.status, 'failure');
    assert.match(syntax.summary, /SyntaxError/);
  });

  it('a page that never answers: the run ends within its timeout, with a reason', async () => {
    const started = performance.now();
    const out = await executor.run(payload(`await page.goto('${base}/hang');`, 3000), context());
    assert.equal(out.status, 'failure');
    assert.match(out.summary, /Timeout|timed out/);
    assert.ok(performance.now() - started < 3000 + 2000, 'ended at its deadline');
  });

  it('a hostile script that never yields is ended at its timeout, and the next run works', async () => {
    const started = performance.now();
    const out = await executor.run(payload(`await page.goto('${base}/'); while (true) {}`, 2000), context());
    assert.equal(out.status, 'failure');
    assert.match(out.summary, /timed out after 2 s/);
    assert.ok(performance.now() - started < 2000 + 2000, 'ended at its deadline');
    // Its thread was ended: the next run may wait for a new one to load (slow on a loaded machine).
    const next = await executor.run(payload(`await page.goto('${base}/');`, 60_000), context());
    assert.equal(next.status, 'success', next.summary);
  });

  it('a script has no Node: no require, no process, no import', async () => {
    for (const script of ['require("node:fs")', 'process.exit(1)', 'await import("node:fs")']) {
      const out = await executor.run(payload(script), context());
      assert.equal(out.status, 'failure', script);
    }
  });

  it('private and metadata addresses are refused unless the runner allows them; other schemes too', async () => {
    const denied = await executor.run(payload(`await page.goto('${base}/app');`), context({ settings: settings([]) }));
    assert.equal(denied.status, 'failure');
    assert.match(denied.summary, /refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1, a private/);
    assert.deepEqual(detailOf(denied).browser?.refusals.length, 1);
    const metadata = await executor.run(
      payload(
        `await page.goto('${base}/'); await page.evaluate(() => fetch('http://169.254.169.254/latest/meta-data/').catch(() => 'no'));`,
      ),
      context(),
    );
    assert.equal(metadata.status, 'success', 'the page went on; the request was refused');
    assert.match(detailOf(metadata).browser?.refusals[0] ?? '', /169\.254\.169\.254/);
    const file = await executor.run(
      payload(`await page.goto('file:///etc/passwd'); return await page.content();`),
      context(),
    );
    assert.equal(file.status, 'failure');
    assert.match(file.summary, /refused|not allowed|ERR/);
    assert.doesNotMatch(JSON.stringify(file), /root:/);
  });

  it('secrets are filled in and blanked from everything reported, the screenshot included', async () => {
    // A value that would end a string or open a template expression if pasted in raw.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the value holds ${ on purpose
    const secret = 'hunter2-"quoted"-`tick`-${x}';
    const run = (q: string) =>
      executor.run(
        payload(`
          await page.goto('${base}/echo?q=' + encodeURIComponent(${q}));
          const said = await page.textContent('#said');
          console.log('saw', said);
          await step('look for ' + said, () => assert.equal(said, 'nothing'));
        `),
        context({ secrets: { TOKEN: secret } }),
      );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the checks' own secret reference
    const out = await run("'${secret:TOKEN}'");
    assert.equal(out.status, 'failure');
    const text = JSON.stringify(out);
    assert.ok(!text.includes('hunter2'), text.slice(0, 2000));
    assert.ok(text.includes(REDACTED));
    assert.match(detailOf(out).browser?.log ?? '', /saw \[redacted\]/);
    // The same page showing "[redacted]" itself looks the same: the secret was blanked before the picture.
    const shown = await run(JSON.stringify(REDACTED));
    assert.equal(detailOf(out).screenshot, detailOf(shown).screenshot);
  });

  it('runs at once share the browser, never a context: nothing one stores reaches the other', async () => {
    const [writer, reader] = await Promise.all([
      executor.run(
        payload(
          `
          await page.goto('${base}/');
          await page.evaluate(() => localStorage.setItem('basket', 'full'));
          await context.addCookies([{ name: 'session', value: 'abc', url: '${base}/' }]);
          assert.equal(await page.evaluate(() => localStorage.getItem('basket')), 'full');
        `,
          60_000,
        ),
        context(),
      ),
      // The second at once needs a second thread, loaded within its timeout.
      executor.run(payload(`await page.goto('${base}/');`, 60_000), context()),
    ]);
    assert.equal(writer.status, 'success', writer.summary);
    assert.equal(reader.status, 'success', reader.summary);
    const after = await executor.run(
      payload(`
        await page.goto('${base}/');
        assert.equal(await page.evaluate(() => localStorage.getItem('basket')), null);
        assert.deepEqual(await context.cookies(), []);
        assert.deepEqual({ a: [1] }, { a: [1] });
        assert.notDeepEqual([1], ['1']);
      `),
      context(),
    );
    assert.equal(after.status, 'success', after.summary);
  });

  it('close() ends the browser; the next browser run starts it again', async () => {
    await executor.close?.();
    const out = await executor.run(payload(`await page.goto('${base}/');`, 60_000), context());
    assert.equal(out.status, 'success', out.summary);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import vm from 'node:vm';
import { readBrowserDetail, readScreenshot } from './browser-detail.ts';
import {
  browserTimings,
  type DocumentSnapshot,
  escapeForString,
  fillScriptSecrets,
  measuredDocument,
  secretForms,
  vitalsOf,
} from './browser-script.ts';

const doc = (over: Partial<DocumentSnapshot>): DocumentSnapshot => ({
  origin: 1000,
  url: 'https://shop.example/',
  cls: 0,
  navigation: { dns: 1, connect: 5, tls: 3, firstByte: 20, ttfb: 40 },
  ...over,
});

describe('secrets in browser scripts', () => {
  // Values that would end a string, open a template expression or break a line if pasted raw.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: ${ on purpose
  const hostile = ['plain-value', `it's "quoted"`, 'back\\slash', '`${process.exit(1)}`', 'line\nbreak\u2028sep'];
  for (const quote of [`'`, `"`, '`'])
    test(`a value stays the string's contents inside ${quote}…${quote}`, () => {
      for (const value of hostile) {
        const filled = fillScriptSecrets(`result = ${quote}\${secret:TOKEN}${quote};`, { TOKEN: value });
        assert.ok('script' in filled);
        const sandbox: { result?: string } = {};
        vm.runInNewContext(filled.script, sandbox);
        assert.equal(sandbox.result, value);
      }
    });
  test('a secret the order did not bring is named', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the checks' own reference syntax
    assert.deepEqual(fillScriptSecrets("page.fill('#p', '${secret:MISSING}')", {}), { missing: 'MISSING' });
    const template = ['const a = `$', '{b}`;'].join('');
    assert.deepEqual(fillScriptSecrets(template, {}), { script: template }, 'template literals stay');
  });
  test('each form a secret takes in a report is blanked: itself, escaped, URL-encoded', () => {
    assert.deepEqual(secretForms('a b"c'), ['a b"c', 'a b\\"c', 'a%20b%22c']);
    assert.deepEqual(secretForms('plain'), ['plain']);
    assert.equal(escapeForString('\u0000'), '\\u0000');
  });
});

describe('web vitals of a run', () => {
  test('the measured document: the first that was interacted with, else the last loaded', () => {
    const landing = doc({ origin: 1, firstInputEnd: 900 });
    const next = doc({ origin: 2, firstInputEnd: 100, url: 'https://shop.example/pay' });
    const blank = doc({ origin: 0, url: 'about:blank' });
    assert.equal(measuredDocument([next, blank, landing]), landing);
    const a = doc({ origin: 1 });
    const b = doc({ origin: 2 });
    assert.equal(measuredDocument([b, a]), b);
    assert.equal(measuredDocument([blank]), undefined);
    assert.equal(measuredDocument([doc({ navigation: undefined })]), undefined, 'a document that never loaded');
  });
  test('ttfmi is the later of the mark and the first interaction, either alone, or absent', () => {
    assert.equal(vitalsOf(doc({ mark: 300, firstInputEnd: 612.345 })).ttfmi, 612.3);
    assert.equal(vitalsOf(doc({ mark: 1300, firstInputEnd: 612 })).ttfmi, 1300);
    assert.equal(vitalsOf(doc({ mark: 300 })).ttfmi, 300);
    assert.equal(vitalsOf(doc({ firstInputEnd: 50 })).ttfmi, 50);
    assert.deepEqual(vitalsOf(doc({ lcp: 812.34, cls: 0.123456, inp: 24 })), {
      lcp: 812.3,
      cls: 0.1235,
      inp: 24,
      ttfb: 40,
    });
  });
  test('timings: the navigation phases where the browser gave them, the whole run as total', () => {
    assert.deepEqual(browserTimings(doc({}), 1234.56), { dns: 1, connect: 2, tls: 3, firstByte: 20, total: 1234.6 });
    assert.deepEqual(browserTimings(undefined, 10), { total: 10 });
  });
});

describe('what the server accepts of a browser report', () => {
  test('the bounded shape, and nothing else', () => {
    const good = {
      url: 'https://shop.example/',
      vitals: { lcp: 10, ttfmi: 20 },
      steps: [{ name: 'open', passed: true, ms: 3 }],
      refusals: [],
    };
    assert.deepEqual(readBrowserDetail(good), good);
    for (const bad of [
      null,
      'x',
      { ...good, steps: 'many' },
      { ...good, steps: Array.from({ length: 51 }, () => good.steps[0]) },
      { ...good, vitals: { lcp: -1 } },
      { ...good, vitals: { lcp: Number.NaN } },
      { ...good, refusals: ['x'.repeat(5000)] },
      { ...good, log: 'x'.repeat(5000) },
    ])
      assert.equal(readBrowserDetail(bad), undefined, JSON.stringify(bad)?.slice(0, 80));
  });
  test('a screenshot is base64 of at most 128 KiB', () => {
    assert.equal(readScreenshot('/9j/4AAQ'), '/9j/4AAQ');
    assert.equal(readScreenshot('A'.repeat(174_764)), 'A'.repeat(174_764));
    for (const bad of ['A'.repeat(174_768), '<svg onload=alert(1)>', '', 42, null])
      assert.equal(readScreenshot(bad), undefined);
  });
});

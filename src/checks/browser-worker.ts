import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import vm from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type DocumentSnapshot, measuredDocument, vitalsCollector } from './browser-script.ts';
import type { BrowserJob, BrowserJobResult } from './browser-pool.ts';
import type { BrowserStep } from './model.ts';
import { allowancesOf, guardTarget, systemResolve } from './target-guard.ts';
import { MAX_SCREENSHOT_BYTES } from './browser-detail.ts';
import { EXCERPT_CHARS } from './http-probe.ts';

/**
 * A worker thread of the browser pool: connects to the runner's one browser and runs
 * browser scripts one at a time, each in a fresh browser context and a fresh `vm` context
 * that holds only the script's API (`page`, `context`, `step`, `assert`, `console`). A
 * script that never yields (an endless loop) cannot be stopped here: the pool terminates
 * this thread at the deadline, which ends its connection and with it the context.
 */

const BINDING = '__atriumVitals';
const MAX_STEPS = 50;
const MAX_LOG = 2048;
const MAX_REFUSALS = 10;
/** Time kept back from the deadline (at most a quarter of it) to take the screenshot and read the vitals of a failing run. */
const WRAP_UP_MS = 1500;

const { wsEndpoint } = (workerData as { data: { wsEndpoint: string } }).data;
let connected: Promise<Browser> | undefined;

function browser(): Promise<Browser> {
  connected ??= import('playwright-core').then(async ({ chromium }) => {
    const b = await chromium.connect(wsEndpoint);
    // The browser went away (killed, crashed): this thread is of no more use; the pool starts another.
    b.on('disconnected', () => process.exit(0));
    return b;
  });
  // A failed connection is tried again by the next run, not remembered.
  connected.catch(() => {
    connected = undefined;
  });
  return connected;
}

/** A page-side function as an expression: esbuild's name helper stubbed, since the page has none. */
function pageCall(fn: (arg: never) => unknown, arg: unknown): string {
  return `(() => { const __name = (f) => f; return (${fn.toString()})(${JSON.stringify(arg)}); })()`;
}

function line(err: unknown): string {
  if (err instanceof assert.AssertionError && err.operator !== 'fail')
    return `${err.operator}: expected ${inspect(err.expected, INSPECT)}, saw ${inspect(err.actual, INSPECT)}`.slice(
      0,
      500,
    );
  const text = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return (text.split('\n').find((l) => l.trim() !== '') ?? 'failed').slice(0, 500);
}
const INSPECT = { breakLength: Number.POSITIVE_INFINITY, maxStringLength: 200, depth: 2 };

/** Blanks every secret out of the page's text and form fields, so a screenshot cannot show one. */
function blankSecrets(secrets: string[]): boolean {
  const blank = (text: string) => secrets.reduce((t, s) => t.split(s).join('[redacted]'), text);
  const walker = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode())
    if (node.nodeValue) node.nodeValue = blank(node.nodeValue);
  for (const field of document.querySelectorAll('input, textarea'))
    (field as HTMLInputElement).value = blank((field as HTMLInputElement).value);
  document.title = blank(document.title);
  return true;
}

/** What `promise` answers within a second; undefined when it fails or a page's own script keeps it busy. */
async function within(promise: Promise<unknown>): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), 1000);
  });
  try {
    return await Promise.race([promise.catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function screenshotOf(page: Page): Promise<string | undefined> {
  for (const quality of [60, 25]) {
    const image = await page.screenshot({ type: 'jpeg', quality, timeout: 1000, animations: 'disabled' });
    if (image.length <= MAX_SCREENSHOT_BYTES) return image.toString('base64');
  }
  return undefined;
}

/**
 * A value as this thread's realm builds it: the script's literals are objects of its vm
 * context, Playwright's answers of this thread, and a strict deep comparison tells their
 * prototypes apart ("expected [], saw []"). Cloned, both sides are plain values of one realm.
 */
function oneRealm(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}

/** node:assert/strict for scripts: deep comparisons made across the two realms. */
const scriptAssert = Object.assign((value: unknown, message?: string) => assert.ok(value, message), assert, {
  deepEqual: (actual: unknown, expected: unknown, message?: string) =>
    assert.deepStrictEqual(oneRealm(actual), oneRealm(expected), message),
  deepStrictEqual: (actual: unknown, expected: unknown, message?: string) =>
    assert.deepStrictEqual(oneRealm(actual), oneRealm(expected), message),
  notDeepEqual: (actual: unknown, expected: unknown, message?: string) =>
    assert.notDeepStrictEqual(oneRealm(actual), oneRealm(expected), message),
  notDeepStrictEqual: (actual: unknown, expected: unknown, message?: string) =>
    assert.notDeepStrictEqual(oneRealm(actual), oneRealm(expected), message),
});

/** Schemes a page may show; anything else (file:, chrome:, view-source:) ends the run. */
const SHOWN_SCHEMES = new Set(['http:', 'https:', 'about:', 'data:', 'blob:']);

async function run(job: BrowserJob): Promise<BrowserJobResult> {
  const started = performance.now();
  const deadline = started + job.timeoutMs - Math.min(WRAP_UP_MS, job.timeoutMs / 4);
  const left = () => Math.max(1, deadline - performance.now());
  const { allowances } = allowancesOf(job.allowedPrivateTargets);
  const verdicts = new Map<string, Promise<string | undefined>>();
  const refusals: string[] = [];
  const snapshots = new Map<number, DocumentSnapshot>();
  const steps: BrowserStep[] = [];
  let log = '';
  let forbidden: string | undefined;
  const context: BrowserContext = await (await browser()).newContext({
    acceptDownloads: false,
    serviceWorkers: 'block',
    viewport: { width: 1280, height: 720 },
  });
  try {
    const refuse = (host: string) => {
      let verdict = verdicts.get(host);
      if (!verdict) {
        verdict = guardTarget(host, allowances, systemResolve).then((g) => (g.ok ? undefined : g.reason));
        verdicts.set(host, verdict);
      }
      return verdict;
    };
    await context.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      const reason = /^https?:$/.test(url.protocol) ? await refuse(url.hostname) : undefined;
      if (reason === undefined) return route.fallback();
      if (refusals.length < MAX_REFUSALS && !refusals.includes(reason)) refusals.push(reason);
      return route.abort('blockedbyclient');
    });
    await context.routeWebSocket(/.*/, async (socket) => {
      const reason = await refuse(new URL(socket.url()).hostname);
      if (reason === undefined) socket.connectToServer();
      else {
        if (refusals.length < MAX_REFUSALS && !refusals.includes(reason)) refusals.push(reason);
        await socket.close({ code: 1008, reason: 'refused by the runner' });
      }
    });
    await context.exposeBinding(BINDING, (_source, text: string) => {
      const snapshot = JSON.parse(text) as DocumentSnapshot;
      snapshots.set(snapshot.origin, snapshot);
    });
    await context.addInitScript(pageCall(vitalsCollector as (arg: never) => unknown, BINDING));
    context.setDefaultTimeout(left());
    context.setDefaultNavigationTimeout(left());
    const page = await context.newPage();
    page.on('framenavigated', (frame) => {
      if (frame !== page.mainFrame() || forbidden !== undefined) return;
      const scheme = new URL(frame.url()).protocol;
      if (SHOWN_SCHEMES.has(scheme)) return;
      forbidden = `refused: the script navigated to a ${scheme} URL (only http: and https: are checked)`;
      void page.close().catch(() => undefined);
    });
    const step = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
      const at = performance.now();
      const record = (passed: boolean, err?: unknown) => {
        if (steps.length < MAX_STEPS)
          steps.push({
            name: String(name).slice(0, 200),
            passed,
            ms: Math.round((performance.now() - at) * 10) / 10,
            ...(err === undefined ? {} : { error: line(err) }),
          });
      };
      try {
        const value = await fn();
        record(true);
        return value;
      } catch (err) {
        record(false, err);
        throw err;
      }
    };
    const write = (...parts: unknown[]) => {
      if (log.length < MAX_LOG) log = `${log}${parts.map(String).join(' ')}\n`.slice(0, MAX_LOG);
    };
    const sandbox = vm.createContext({
      page,
      context,
      step,
      assert: scriptAssert,
      console: { log: write, info: write, warn: write, error: write },
    });
    let failure: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const script = new vm.Script(`(async () => {\n${job.script}\n})()`, { filename: 'check-script.js' });
      const done = script.runInContext(sandbox, { timeout: Math.ceil(left()) }) as Promise<unknown>;
      await Promise.race([
        done,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the script did not finish within its timeout`)), left());
        }),
      ]);
    } catch (err) {
      failure = line(err);
    } finally {
      clearTimeout(timer);
    }
    if (forbidden !== undefined) failure = forbidden;
    else if (failure !== undefined && refusals.length > 0) failure = `${failure} (refused: ${refusals[0]})`;
    let screenshot: string | undefined;
    let excerpt: string | undefined;
    if (!page.isClosed()) {
      const final = await within(page.evaluate(`window.${BINDING}_snapshot ? window.${BINDING}_snapshot() : null`));
      if (typeof final === 'string') {
        const snapshot = JSON.parse(final) as DocumentSnapshot;
        snapshots.set(snapshot.origin, snapshot);
      }
      if (failure !== undefined && forbidden === undefined) {
        const blanked = await within(page.evaluate(pageCall(blankSecrets as (arg: never) => unknown, job.redact)));
        // A page whose secrets could not be blanked (its script hangs, say) is not photographed.
        if (blanked === true) screenshot = await screenshotOf(page).catch(() => undefined);
        const text = await within(page.evaluate('document.body ? document.body.innerText : ""'));
        excerpt = typeof text === 'string' && text !== '' ? text.slice(0, EXCERPT_CHARS) : undefined;
      }
    }
    const measured = measuredDocument([...snapshots.values()]);
    return {
      ok: failure === undefined,
      summary: failure ?? (steps.length > 0 ? `${steps.length} step(s) passed` : 'the script passed'),
      totalMs: performance.now() - started,
      steps,
      ...(measured ? { document: measured } : {}),
      refusals,
      ...(log === '' ? {} : { log }),
      ...(excerpt === undefined ? {} : { excerpt }),
      ...(screenshot === undefined ? {} : { screenshot }),
    };
  } finally {
    await context.close().catch(() => undefined);
  }
}

// Connected before the first run arrives: a run's time is the script's, not the start-up's.
browser().catch(() => undefined);

parentPort?.on('message', (job: BrowserJob) => {
  run(job).then(
    (result) => parentPort?.postMessage({ id: job.id, result }),
    (err: unknown) =>
      parentPort?.postMessage({
        id: job.id,
        result: {
          ok: false,
          summary: `the browser could not run the script: ${line(err)}`,
          totalMs: 0,
          steps: [],
          refusals: [],
          error: true,
        } satisfies BrowserJobResult,
      }),
  );
});

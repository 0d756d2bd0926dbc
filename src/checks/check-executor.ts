import type { ExecutionContext, Json, WorkExecutor, WorkOutcome } from '../runners/model.ts';
import { trustedCertificates } from '../runners/settings.ts';
import { BrowserPool } from './browser-pool.ts';
import { type BrowserProbeResult, browserProbe } from './browser-probe.ts';
import { fillScriptSecrets, secretForms } from './browser-script.ts';
import { SECRET_REFERENCE } from './check-definition.ts';
import { type CheckPayload, readCheckPayload } from './check-payload.ts';
import { dnsProbe } from './dns-probe.ts';
import { httpProbe } from './http-probe.ts';
import { CHECK_WORK_KIND, type CheckRequest, type CheckRunDetail } from './model.ts';
import type { ProbeContext } from './probe.ts';
import { retryDelayMs } from './status.ts';
import { allowancesOf, type Resolve, systemResolve } from './target-guard.ts';
import { tcpProbe } from './tcp-probe.ts';
import { tlsProbe } from './tls-probe.ts';

/**
 * The runner's executor of checks (work kind `check`): reads the order's payload, puts the
 * secrets it names into headers and body, runs the probe of its type (again after a failure,
 * up to the retries, waiting as the strategy says), and reports the last attempt with every
 * secret value blanked out of what it says. Browser checks run in the executor's browser
 * pool (one chromium, started by the first of them, ended by close()).
 */

export interface CheckExecutorOptions {
  /** How host names are resolved (node:dns's lookup by default). */
  resolve?: Resolve;
  /** Monotonic clock for timings (performance.now by default). */
  clock?: () => number;
  /** The browser that runs browser checks (one of its own, started on first use, by default). */
  browserPool?: BrowserPool;
}

/** What replaces a secret's value in anything reported. */
export const REDACTED = '[redacted]';
/** Secrets shorter than this are not searched for (blanking every "a" would say nothing and hide everything). */
const MIN_SECRET_LENGTH = 4;

function errorOutcome(summary: string): WorkOutcome {
  return { status: 'error', summary, detail: null };
}

/** The request with `${secret:NAME}` replaced, or the name of a secret the order did not bring. */
function withSecrets(
  request: CheckRequest,
  secrets: Readonly<Record<string, string>>,
): CheckRequest | { missing: string } {
  if (request.type === 'browser') {
    const filled = fillScriptSecrets(request.script, secrets);
    return 'missing' in filled ? filled : { ...request, script: filled.script };
  }
  if (request.type !== 'http') return request;
  let missing: string | undefined;
  const fill = (text: string) =>
    text.replace(SECRET_REFERENCE, (_, name: string) => {
      const value = secrets[name];
      if (value === undefined) missing ??= name;
      return value ?? '';
    });
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, fill(v)]));
  const body = request.body === undefined ? undefined : fill(request.body);
  if (missing !== undefined) return { missing };
  return { ...request, headers, ...(body === undefined ? {} : { body }) };
}

/** Every secret value in `text` replaced by [redacted], longest first (so one inside another goes whole). */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

function redacted(result: BrowserProbeResult, secrets: readonly string[]): BrowserProbeResult {
  if (secrets.length === 0) return result;
  const browser = result.browser;
  return {
    ...result,
    summary: redact(result.summary, secrets),
    assertions: result.assertions.map((a) => ({
      ...a,
      assertion: redact(a.assertion, secrets),
      actual: redact(a.actual, secrets),
    })),
    ...(result.excerpt === undefined ? {} : { excerpt: redact(result.excerpt, secrets) }),
    ...(browser
      ? {
          browser: {
            ...browser,
            ...(browser.url === undefined ? {} : { url: redact(browser.url, secrets) }),
            steps: browser.steps.map((s) => ({
              ...s,
              name: redact(s.name, secrets),
              ...(s.error === undefined ? {} : { error: redact(s.error, secrets) }),
            })),
            refusals: browser.refusals.map((r) => redact(r, secrets)),
            ...(browser.log === undefined ? {} : { log: redact(browser.log, secrets) }),
          },
        }
      : {}),
  };
}

function probe(
  request: CheckRequest,
  context: ProbeContext,
  timeoutMs: number,
  browser: () => Omit<Parameters<typeof browserProbe>[1], 'signal' | 'clock' | 'timeoutMs'>,
): Promise<BrowserProbeResult> {
  switch (request.type) {
    case 'http':
      return httpProbe(request, context);
    case 'tcp':
      return tcpProbe(request, context);
    case 'tls':
      return tlsProbe(request, context);
    case 'dns':
      return dnsProbe(request, context, timeoutMs);
    case 'browser':
      return browserProbe(request, { ...browser(), signal: context.signal, clock: context.clock, timeoutMs });
  }
}

/**
 * One attempt's signal: aborted by the runner (cancel, shutdown) or after `timeoutMs`. A
 * timer of its own rather than AbortSignal.any(AbortSignal.timeout(…)): a composed signal
 * nothing else holds can be collected before its timeout fires, and the attempt then hangs.
 */
function attemptSignal(parent: AbortSignal, timeoutMs: number): { signal: AbortSignal; done(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('timed out', 'TimeoutError')), timeoutMs);
  const forward = () => controller.abort(parent.reason);
  if (parent.aborted) forward();
  else parent.addEventListener('abort', forward, { once: true });
  return {
    signal: controller.signal,
    done() {
      clearTimeout(timer);
      parent.removeEventListener('abort', forward);
    },
  };
}

function wait(msToWait: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, msToWait);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export function checkExecutor(options: CheckExecutorOptions = {}): WorkExecutor {
  const resolve = options.resolve ?? systemResolve;
  const clock = options.clock ?? (() => performance.now());
  let pool = options.browserPool;
  return {
    kind: CHECK_WORK_KIND,
    async close() {
      await pool?.close();
    },
    async run(value: Json, context: ExecutionContext): Promise<WorkOutcome> {
      const payload: CheckPayload | undefined = readCheckPayload(value);
      if (!payload) return errorOutcome('the order is not a check this runner can read');
      const request = withSecrets(payload.request, context.secrets);
      if ('missing' in request)
        return errorOutcome(
          `the secret ${request.missing} is not configured on the server (name it under secrets in atrium.yaml)`,
        );
      // A browser run also shows its secrets escaped (the script) and URL-encoded (addresses).
      const secrets = [...new Set(Object.values(context.secrets).flatMap((s) => secretForms(s)))]
        .filter((s) => s.length >= MIN_SECRET_LENGTH)
        .sort((a, b) => b.length - a.length);
      const { allowances } = allowancesOf(context.settings.allowedPrivateTargets);
      const ca = trustedCertificates(context.settings.caCertificates);
      const browser = () => {
        pool ??= new BrowserPool();
        return {
          pool,
          allowedPrivateTargets: context.settings.allowedPrivateTargets,
          secrets: Object.values(context.secrets).filter((s) => s.length >= MIN_SECRET_LENGTH),
        };
      };
      let attempts = 0;
      let result: BrowserProbeResult;
      for (;;) {
        attempts++;
        const attempt = attemptSignal(context.signal, payload.timeoutMs);
        try {
          result = await probe(
            request,
            {
              signal: attempt.signal,
              allowances,
              resolve,
              now: context.now,
              clock,
              ...(ca ? { ca } : {}),
            },
            payload.timeoutMs,
            browser,
          );
        } finally {
          attempt.done();
        }
        if (result.ok || attempts > payload.retries.count || context.signal.aborted) break;
        await wait(retryDelayMs({ ...payload.retries, sameLocation: true }, attempts), context.signal);
      }
      const out = redacted(result, secrets);
      const detail: CheckRunDetail = {
        responseTimeMs: out.responseTimeMs,
        timings: out.timings,
        assertions: out.assertions,
        ...(out.excerpt === undefined ? {} : { excerpt: out.excerpt }),
        attempts,
        ...(out.browser ? { browser: out.browser } : {}),
        ...(out.screenshot === undefined || out.ok ? {} : { screenshot: out.screenshot }),
      };
      return { status: out.ok ? 'success' : 'failure', summary: out.summary, detail: detail as unknown as Json };
    },
  };
}

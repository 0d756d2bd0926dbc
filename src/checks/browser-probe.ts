import { browserTimings, measuredDocument, secretForms, vitalsOf } from './browser-script.ts';
import type { BrowserPool } from './browser-pool.ts';
import type { AssertionResult, BrowserRunDetail, CheckRequest } from './model.ts';
import { ms, type ProbeResult } from './probe.ts';

/**
 * One attempt of a browser check: its script (secrets already filled in) run by the
 * runner's browser pool, and the worker's answer read as a probe's result: the steps as
 * assertion outcomes, the run's total as its response time, the measured page's navigation
 * phases as timings, and its vitals, refusals, log and screenshot alongside.
 */

type BrowserRequest = Extract<CheckRequest, { type: 'browser' }>;

export interface BrowserProbeContext {
  pool: BrowserPool;
  signal: AbortSignal;
  timeoutMs: number;
  allowedPrivateTargets: readonly string[];
  /** The secret values the script was given, blanked from the page before a screenshot. */
  secrets: readonly string[];
  clock(): number;
}

/** A probe's result with what only a browser check has. */
export interface BrowserProbeResult extends ProbeResult {
  browser?: BrowserRunDetail;
  screenshot?: string;
}

export async function browserProbe(request: BrowserRequest, context: BrowserProbeContext): Promise<BrowserProbeResult> {
  const started = context.clock();
  const redact = [...new Set(context.secrets.flatMap((s) => secretForms(s)))];
  const answer = await context.pool.run(
    {
      script: request.script,
      timeoutMs: context.timeoutMs,
      allowedPrivateTargets: context.allowedPrivateTargets,
      redact,
    },
    context.signal,
  );
  const elapsed = ms(context.clock() - started);
  if (answer === 'aborted') {
    const timedOut = context.signal.reason instanceof Error && context.signal.reason.name === 'TimeoutError';
    const summary = timedOut
      ? `timed out after ${context.timeoutMs / 1000} s (the browser run was ended)`
      : 'cancelled';
    return { ok: false, summary, responseTimeMs: elapsed, timings: { total: elapsed }, assertions: [] };
  }
  const document = answer.document ? measuredDocument([answer.document]) : undefined;
  const total = ms(answer.totalMs || elapsed);
  const assertions: AssertionResult[] =
    answer.steps.length > 0
      ? answer.steps.map((s) => ({ assertion: `step: ${s.name}`, passed: s.passed, actual: s.error ?? `${s.ms} ms` }))
      : [{ assertion: 'script', passed: answer.ok, actual: answer.ok ? `${total} ms` : answer.summary }];
  return {
    ok: answer.ok,
    summary: answer.summary,
    responseTimeMs: total,
    timings: browserTimings(document, total),
    assertions,
    ...(answer.excerpt === undefined ? {} : { excerpt: answer.excerpt }),
    browser: {
      ...(document ? { url: document.url.slice(0, 2048) } : {}),
      vitals: document ? vitalsOf(document) : {},
      steps: answer.steps,
      refusals: answer.refusals,
      ...(answer.log === undefined ? {} : { log: answer.log }),
    },
    ...(answer.screenshot === undefined ? {} : { screenshot: answer.screenshot }),
  };
}

import type { LookupAddress } from 'node:dns';
import type { AssertionResult, Timings } from './model.ts';
import type { Allowances, ResolvedAddress, Resolve } from './target-guard.ts';

/**
 * What every probe (http, tcp, dns, tls) is handed and answers: the runner's side of one
 * attempt of a check. Probes do I/O; they never throw for the target's failures (they answer
 * `ok: false` with a reason a person reads).
 */

export interface ProbeContext {
  signal: AbortSignal;
  allowances: Allowances;
  resolve: Resolve;
  /** Wall-clock ms (certificate expiry is judged against it). */
  now(): number;
  /** Monotonic ms for timings. */
  clock(): number;
  /** The certificate authorities (PEM) to trust: the system's and the runner's extra ones; undefined: the system's. */
  ca?: readonly string[];
}

export interface ProbeResult {
  ok: boolean;
  summary: string;
  responseTimeMs: number;
  timings: Timings;
  assertions: AssertionResult[];
  excerpt?: string;
}

/** A failure before anything was measured beyond `elapsed` (refused target, unresolvable name). */
export function failedBefore(summary: string, elapsed: number, dns?: number): ProbeResult {
  return {
    ok: false,
    summary,
    responseTimeMs: elapsed,
    timings: { ...(dns === undefined ? {} : { dns }), total: elapsed },
    assertions: [],
  };
}

/**
 * A `lookup` for node:net and node:http that answers the address the guard judged, whatever
 * it is asked: the connection goes where the guard looked, not where a second resolution says.
 */
export function pinnedLookup(address: ResolvedAddress) {
  return (
    _host: string,
    options: { all?: boolean },
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    if (options.all) callback(null, [{ address: address.address, family: address.family }]);
    else callback(null, address.address, address.family);
  };
}

/** Why a connection attempt failed, in a line a person reads (codes kept, stacks dropped). */
export function reasonOf(err: unknown, signal: AbortSignal): string {
  if (signal.aborted)
    return signal.reason instanceof Error && signal.reason.name === 'TimeoutError' ? 'timed out' : 'cancelled';
  const e = err as NodeJS.ErrnoException;
  const code = e.code ? ` (${e.code})` : '';
  return `${(e.message ?? String(err)).split('\n')[0]?.slice(0, 200)}${code && !e.message?.includes(e.code ?? '') ? code : ''}`;
}

/** Milliseconds rounded to a tenth, as reported. */
export const ms = (value: number): number => Math.round(value * 10) / 10;

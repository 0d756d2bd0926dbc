import type { ReadFailureClass } from './model.ts';

/**
 * The rules of reading PagerDuty and Opsgenie: how long an answer is fresh, what an HTTP
 * status means, and how long a failure holds the next read back. Pure; readers.ts does
 * the I/O by them.
 */

export interface ReadPolicy {
  /** An answer is read again after this long (people change rarely; the APIs are rate limited). */
  freshMs: number;
  /** After a failure that may pass (a timeout, a 5xx, a malformed answer), the schedule is read again after this long. */
  failureRetryMs: number;
  /** A 429 without a readable Retry-After holds every read of that API this long. */
  rateLimitMs: number;
  /** A 401/403 (a wrong or revoked key: the operator's to fix) holds every read of that API this long. */
  unauthorizedMs: number;
  /** No hold is longer, whatever Retry-After says (a hostile or broken header cannot stop reads for days). */
  maxHoldMs: number;
}

export const DEFAULT_READ_POLICY: ReadPolicy = {
  freshMs: 60_000,
  failureRetryMs: 15_000,
  rateLimitMs: 60_000,
  unauthorizedMs: 5 * 60_000,
  maxHoldMs: 15 * 60_000,
};

/** What a status means; undefined for success. */
export function failureOfStatus(status: number): ReadFailureClass | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not-found';
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'server-error';
  return 'http-error';
}

/**
 * How long after a failure the next read may go, and whether the hold is the whole API's:
 * a rate limit and a refused key belong to the API key, which every schedule shares, so
 * no schedule is read until then; anything else holds back only the schedule that failed.
 */
export function holdAfter(
  failure: ReadFailureClass,
  retryAfterMs: number | undefined,
  policy: ReadPolicy,
): { ms: number; wholeApi: boolean } {
  if (failure === 'rate-limited')
    return { ms: Math.min(retryAfterMs ?? policy.rateLimitMs, policy.maxHoldMs), wholeApi: true };
  if (failure === 'unauthorized') return { ms: policy.unauthorizedMs, wholeApi: true };
  return { ms: policy.failureRetryMs, wholeApi: false };
}

/** A failure as the card says it (the class is the stable part; no URL, no key, no body). */
export function failureMessage(failure: ReadFailureClass, source: string, detail?: string): string {
  switch (failure) {
    case 'timeout':
      return `${source} did not answer in time`;
    case 'unreachable':
      return `${source} could not be reached`;
    case 'rate-limited':
      return `${source} asked Atrium to wait (rate limit)`;
    case 'unauthorized':
      return `${source} refused the API key: check paging.${source.toLowerCase()}.apiKeyEnv`;
    case 'not-found':
      return `${source} has no such schedule or service: check the entity's annotation`;
    case 'server-error':
      return `${source} failed (${detail ?? 'a server error'})`;
    case 'malformed':
      return `${source}'s answer could not be read${detail ? ` (${detail})` : ''}`;
    case 'too-large':
      return `${source}'s answer was larger than Atrium reads`;
    case 'http-error':
      return `${source} refused the request (${detail ?? 'an HTTP error'})`;
    case 'not-configured':
      return `${source} is not configured: set paging.${source.toLowerCase()} in atrium.yaml`;
  }
}

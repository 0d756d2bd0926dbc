/**
 * The notification outbox's rules: what a message is, and what happens to it after each
 * attempt to deliver it. Receivers (PagerDuty, Slack, a signed webhook) turn a message into
 * their own request; nothing here does I/O.
 */

export type NotificationStatus = 'queued' | 'sent' | 'failed';

export type Severity = 'critical' | 'error' | 'warning' | 'info';

/**
 * What a message does to the alert its dedup key names (PagerDuty's `event_action`):
 * `trigger` opens it (or adds to it), `acknowledge` says someone is on it, `resolve` closes
 * it. Messages with one dedup key reach a receiver in the order they were queued.
 */
export type NotificationAction = 'trigger' | 'acknowledge' | 'resolve';
export const NOTIFICATION_ACTIONS: readonly NotificationAction[] = ['trigger', 'acknowledge', 'resolve'];

/** PagerDuty's limit on `payload.summary`; every receiver shows at most this much of it. */
export const SUMMARY_MAX = 1024;

/** A receiver-neutral message: PagerDuty's event fields, which the other receivers render as text. */
export interface NotificationMessage {
  action: NotificationAction;
  /** One line: PagerDuty's `summary`, Slack's text (at most 1,024 characters, PagerDuty's limit). */
  summary: string;
  severity: Severity;
  /** Where it comes from (an entity reference): PagerDuty's `source`. */
  source: string;
  component?: string;
  group?: string;
  class?: string;
  /** The team that owns the source (an entity reference), shown by Slack and the webhook. */
  owner?: string;
  details: Record<string, string>;
  links: { href: string; text: string }[];
  /**
   * PagerDuty's integration (routing) key for this message, from the entity's
   * `pagerduty.com/integration-key` annotation; without it the receiver's configured key.
   */
  routingKey?: string;
}

export interface OutboxEntry {
  id: number;
  receiver: string;
  subjectKey: string;
  message: NotificationMessage;
  dedupKey: string;
  status: NotificationStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError?: string;
  /** What the receiver answered when it accepted the message (bounded, one line). */
  answer?: string;
  createdBy: string;
  createdAt: string;
  sentAt?: string;
}

/**
 * What one attempt came to: `sent` (the receiver accepted it), `retry` (the receiver or the
 * network failed in a way that may pass: 429, 5xx, a timeout; `retryAfterMs` when the
 * receiver said when), or `rejected` (the receiver will never accept it: 400, 401, 403, 404).
 */
export type DeliveryOutcome =
  | { kind: 'sent'; answer?: string }
  | { kind: 'retry'; error: string; retryAfterMs?: number }
  | { kind: 'rejected'; error: string };

export interface RetryPolicy {
  /** The wait after the first failure; each further failure doubles it. */
  baseMs: number;
  /** No wait is longer (a receiver's Retry-After included). */
  capMs: number;
  /** Attempts in all; after the last failed one the message is `failed`. */
  maxAttempts: number;
}

/** About an hour and a half of retries: 10 s, 20 s, 40 s … capped at 15 min, 10 attempts. */
export const DEFAULT_RETRY: RetryPolicy = { baseMs: 10_000, capMs: 15 * 60_000, maxAttempts: 10 };

/** The wait before attempt `attempts + 1`, after `attempts` failed ones (at least one). */
export function backoffMs(attempts: number, policy: RetryPolicy): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  return Math.min(policy.baseMs * 2 ** exponent, policy.capMs);
}

/** How an entry's row changes after an attempt at `now` that came to `outcome`. */
export interface AttemptUpdate {
  status: NotificationStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  answer: string | null;
  sentAt: string | null;
}

export function afterAttempt(
  attemptsBefore: number,
  outcome: DeliveryOutcome,
  now: Date,
  policy: RetryPolicy,
): AttemptUpdate {
  const attempts = attemptsBefore + 1;
  const at = now.toISOString();
  if (outcome.kind === 'sent')
    return {
      status: 'sent',
      attempts,
      nextAttemptAt: at,
      lastError: null,
      answer: outcome.answer === undefined ? null : boundedError(outcome.answer),
      sentAt: at,
    };
  const error = boundedError(outcome.error);
  if (outcome.kind === 'rejected' || attempts >= policy.maxAttempts)
    return { status: 'failed', attempts, nextAttemptAt: at, lastError: error, answer: null, sentAt: null };
  const wait = Math.min(Math.max(backoffMs(attempts, policy), outcome.retryAfterMs ?? 0), policy.capMs);
  return {
    status: 'queued',
    attempts,
    nextAttemptAt: new Date(now.getTime() + wait).toISOString(),
    lastError: error,
    answer: null,
    sentAt: null,
  };
}

/** Errors are shown on pages and stored: one line, at most 500 characters. */
export function boundedError(text: string): string {
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 499)}…` : line;
}

/**
 * Retry-After as milliseconds: a number of seconds or an HTTP date (against `now`); undefined
 * when absent or unreadable. Bounded by the caller's cap.
 */
export function retryAfterMs(header: string | null | undefined, now: Date): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(at - now.getTime(), 0);
}

/** What an HTTP status from a receiver means for the message. */
export function outcomeOfStatus(status: number, detail: string, retryAfter?: number): DeliveryOutcome {
  const error = `HTTP ${status}${detail ? `: ${detail}` : ''}`;
  if (status >= 200 && status < 300) return { kind: 'sent', answer: error };
  if (status === 408 || status === 429 || status >= 500) return { kind: 'retry', error, retryAfterMs: retryAfter };
  return { kind: 'rejected', error };
}

/** Receivers that answer in plain text (Slack's `ok`, `no_service`): one line of it, at most 200 characters. */
export function plainAnswer(text: string): string {
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** A summary within SUMMARY_MAX characters, cut with an ellipsis. */
export function boundedSummary(summary: string): string {
  return summary.length > SUMMARY_MAX ? `${summary.slice(0, SUMMARY_MAX - 1)}…` : summary;
}

import { type DeliveryOutcome, outcomeOfStatus, retryAfterMs } from '../model.ts';
import { outbound } from '../outbound-http.ts';
import { RECEIVER_MAX_BYTES, RECEIVER_TIMEOUT_MS } from './receiver.ts';

export interface PostedMessage {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The whole exchange's bound (default RECEIVER_TIMEOUT_MS). */
  timeoutMs?: number;
  signal: AbortSignal;
  now: () => Date;
  /** What of the receiver's answer is worth keeping (bounded, never the request: it may hold a secret). */
  detail: (text: string) => string;
}

/**
 * One POST of a message to a receiver, as the outbox's outcome: 2xx sent, 408/429/5xx and
 * network failures retried (Retry-After honoured), anything else rejected.
 */
export async function postMessage(post: PostedMessage): Promise<DeliveryOutcome> {
  const result = await outbound({
    method: 'POST',
    url: post.url,
    headers: { 'content-type': 'application/json', 'user-agent': 'Atrium', ...post.headers },
    body: post.body,
    timeoutMs: post.timeoutMs ?? RECEIVER_TIMEOUT_MS,
    maxBytes: RECEIVER_MAX_BYTES,
    signal: post.signal,
  });
  if (!result.ok) return { kind: 'retry', error: result.error };
  const { status, text, headers, truncated } = result.response;
  const detail = post.detail(text);
  return outcomeOfStatus(
    status,
    truncated ? `${detail} (answer cut at ${RECEIVER_MAX_BYTES} bytes)`.trim() : detail,
    retryAfterMs(headers.get('retry-after'), post.now()),
  );
}

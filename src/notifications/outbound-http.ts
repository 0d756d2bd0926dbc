/**
 * Requests to other services (receivers, on-call APIs): a bounded time for the whole
 * exchange, a bounded response body, and failures as values. A secret travels only in
 * `headers` or the URL the caller builds, and never comes back in `error`.
 */

export interface OutboundResponse {
  status: number;
  headers: Headers;
  /** At most `maxBytes` of the body, as text; `truncated` when it was longer. */
  text: string;
  truncated: boolean;
}

/** Why no response came: no answer in time, the network (refused, reset, cut mid-body), or the caller's stop. */
export type OutboundFailure = 'timeout' | 'network' | 'stopped';

export type OutboundResult =
  | { ok: true; response: OutboundResponse }
  | { ok: false; error: string; reason: OutboundFailure };

export interface OutboundRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal;
}

export async function outbound(request: OutboundRequest): Promise<OutboundResult> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
  try {
    const res = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal,
      redirect: 'error',
    });
    const { text, truncated } = await readBounded(res, request.maxBytes);
    return { ok: true, response: { status: res.status, headers: res.headers, text, truncated } };
  } catch (err) {
    if (timeout.aborted) return { ok: false, error: `no answer within ${request.timeoutMs} ms`, reason: 'timeout' };
    if (request.signal?.aborted) return { ok: false, error: 'stopped', reason: 'stopped' };
    // Only the error's kind: fetch's messages may quote the URL, which may carry a secret (a Slack webhook).
    const cause = (err as { cause?: { code?: unknown } }).cause?.code;
    return { ok: false, error: `request failed${typeof cause === 'string' ? ` (${cause})` : ''}`, reason: 'network' };
  }
}

async function readBounded(res: Response, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  if (!res.body) return { text: '', truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > maxBytes) {
      chunks.push(value.subarray(0, maxBytes - size));
      await reader.cancel();
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

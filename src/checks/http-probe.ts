import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { evaluateAssertions, parseAssertion } from './assertions.ts';
import type { AssertionResult, CheckRequest, Timings } from './model.ts';
import { failedBefore, ms, type ProbeContext, type ProbeResult, pinnedLookup, reasonOf } from './probe.ts';
import { guardTarget } from './target-guard.ts';

/**
 * One HTTP(S) request of a check, with its phases timed from the socket's events (DNS by the
 * guard's resolution, then connect, TLS handshake, first byte, total), its body read up to a
 * bound (beyond it the response is cut off and the run says so) and its assertions judged.
 * Redirects are not followed: a 3xx is the answer. Without assertions, a status below 400
 * passes.
 */

/** The most of a body read for assertions; beyond it the connection is closed. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** The most of a body kept with a failing run. */
export const EXCERPT_CHARS = 1024;
const DAY_MS = 86_400_000;

type HttpRequest = Extract<CheckRequest, { type: 'http' }>;

interface Response {
  status: number;
  headers: Record<string, string>;
  body: string;
  truncated: boolean;
  certificateExpiresInDays?: number;
  timings: Timings;
}

function headersOf(raw: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw))
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

export async function httpProbe(request: HttpRequest, context: ProbeContext): Promise<ProbeResult> {
  const started = context.clock();
  const elapsed = () => ms(context.clock() - started);
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return failedBefore('the URL is not absolute', elapsed());
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return failedBefore(`refused: ${url.protocol.replace(/:$/, '')}: is not http: or https:`, elapsed());
  const guard = await guardTarget(url.hostname, context.allowances, context.resolve, context.clock);
  if (!guard.ok) return failedBefore(`refused: ${guard.reason}`, elapsed(), ms(guard.dnsMs));
  let response: Response;
  try {
    response = await send(url, request, guard.address, context, started, guard.dnsMs);
  } catch (err) {
    return failedBefore(reasonOf(err, context.signal), elapsed(), ms(guard.dnsMs));
  }
  const responseTimeMs = response.timings.total;
  const parsed = request.assertions.map((text) => ({ text, parsed: parseAssertion(text) }));
  const assertions: AssertionResult[] = [];
  const good = parsed.flatMap((p) => (p.parsed.ok ? [p.parsed.assertion] : []));
  const judged = evaluateAssertions(good, {
    status: response.status,
    responseTimeMs,
    headers: response.headers,
    body: response.body,
    ...(response.certificateExpiresInDays === undefined
      ? {}
      : { certificateExpiresInDays: response.certificateExpiresInDays }),
  });
  for (const p of parsed)
    assertions.push(
      p.parsed.ok
        ? (judged.shift() as AssertionResult)
        : { assertion: p.text, passed: false, actual: `(unreadable: ${p.parsed.error.message})` },
    );
  if (request.assertions.length === 0)
    assertions.push({ assertion: 'status < 400', passed: response.status < 400, actual: String(response.status) });
  const failed = assertions.find((a) => !a.passed);
  const ok = failed === undefined;
  const cut = response.truncated ? ` (body cut off after ${MAX_BODY_BYTES} bytes)` : '';
  return {
    ok,
    summary: ok
      ? `status ${response.status} in ${responseTimeMs} ms${cut}`
      : `${failed.assertion} failed: saw ${failed.actual}${cut}`,
    responseTimeMs,
    timings: response.timings,
    assertions,
    ...(ok ? {} : { excerpt: response.body.slice(0, EXCERPT_CHARS) }),
  };
}

function send(
  url: URL,
  request: HttpRequest,
  address: { address: string; family: 4 | 6 },
  context: ProbeContext,
  started: number,
  dnsMs: number,
): Promise<Response> {
  const secure = url.protocol === 'https:';
  const options: https.RequestOptions = {
    method: request.method,
    headers: { 'user-agent': 'atrium-check/1', ...request.headers },
    signal: context.signal,
    lookup: pinnedLookup(address) as unknown as https.RequestOptions['lookup'],
    // A fresh connection per run: a pooled one would hide the connect and TLS phases.
    agent: false,
    ...(secure && context.ca?.length ? { ca: [...context.ca] } : {}),
  };
  return new Promise<Response>((resolve, reject) => {
    const timings: { connect?: number; tls?: number; firstByte?: number } = {};
    let certificateExpiresInDays: number | undefined;
    const since = () => context.clock() - started;
    const req = (secure ? https : http).request(url, options, (res) => {
      timings.firstByte = since();
      const chunks: Buffer[] = [];
      let bytes = 0;
      let truncated = false;
      res.on('data', (chunk: Buffer) => {
        if (truncated) return;
        const room = MAX_BODY_BYTES - bytes;
        if (chunk.length >= room) {
          chunks.push(chunk.subarray(0, room));
          bytes += room;
          truncated = true;
          // Enough read: stop the transfer instead of draining a huge or endless body.
          res.destroy();
          finish();
          return;
        }
        chunks.push(chunk);
        bytes += chunk.length;
      });
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        const total = since();
        resolve({
          status: res.statusCode ?? 0,
          headers: headersOf(res.headers),
          body: Buffer.concat(chunks).toString('utf8'),
          truncated,
          ...(certificateExpiresInDays === undefined ? {} : { certificateExpiresInDays }),
          timings: {
            ...(dnsMs > 0 ? { dns: ms(dnsMs) } : {}),
            ...(timings.connect === undefined ? {} : { connect: ms(timings.connect - dnsMs) }),
            ...(timings.tls === undefined || timings.connect === undefined
              ? {}
              : { tls: ms(timings.tls - timings.connect) }),
            firstByte: ms((timings.firstByte ?? total) - (timings.tls ?? timings.connect ?? dnsMs)),
            total: ms(total),
          },
        });
      };
      res.on('end', finish);
      res.on('error', (err) => (truncated ? finish() : reject(err)));
      res.on('close', () => {
        if (!done && !res.complete && !truncated) reject(new Error('the response was cut off'));
      });
    });
    req.on('socket', (socket) => {
      socket.once('connect', () => {
        timings.connect = since();
      });
      socket.once('secureConnect', () => {
        timings.tls = since();
        const valid = (socket as TLSSocket).getPeerCertificate().valid_to;
        if (valid) certificateExpiresInDays = Math.floor((Date.parse(valid) - context.now()) / DAY_MS);
      });
    });
    req.on('error', reject);
    req.end(request.body);
  });
}

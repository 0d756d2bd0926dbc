import https from 'node:https';
import { Readable } from 'node:stream';
import type { ExecutionContext, WorkOutcome } from '../runners/model.ts';
import { trustedCertificates } from '../runners/settings.ts';
import { SECRET_NAME } from './job-definition.ts';
import type { HttpAction } from './model.ts';

/**
 * A job's http action, on a runner: the request with its `${secret:NAME}` references filled
 * from the secrets the lease handed over, sent once; a 2xx status is success. The response
 * body is read up to a bound (its tail kept), and every secret value is redacted from what
 * is reported, so a secret echoed by the server never reaches a page or a log.
 */

/** The most of a response body read: its end says why a job failed, megabytes say nothing more. */
export const MAX_BODY_BYTES = 64 * 1024;
/** What stands where a secret's value was. */
export const REDACTED = '[secret]';
/** Metadata services a job is never sent to unless the runner allows it (allowedPrivateTargets). */
const METADATA_HOSTS = ['169.254.169.254', '[fd00:ec2::254]', 'metadata.google.internal', '100.100.100.200'];

const SECRET_REFERENCE = /\$\{secret:([^}]*)\}/g;

/** `text` with each secret value replaced: longest first, so a secret inside another is not half-redacted. */
export function redact(text: string, secrets: Readonly<Record<string, string>>): string {
  const values = Object.values(secrets)
    .filter((v) => v.length > 0)
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const value of values) out = out.split(value).join(REDACTED);
  return out;
}

/** `text` with `${secret:NAME}` filled in, or the first name the lease did not hand over. */
export function fillSecrets(
  text: string,
  secrets: Readonly<Record<string, string>>,
): { text: string } | { missing: string } {
  let missing: string | undefined;
  const filled = text.replace(SECRET_REFERENCE, (whole, name: string) => {
    const value = SECRET_NAME.test(name) ? secrets[name] : undefined;
    if (value === undefined) missing ??= name;
    return value ?? whole;
  });
  return missing === undefined ? { text: filled } : { missing };
}

/** Reads at most MAX_BODY_BYTES of a body, keeping its tail, then stops reading. */
async function boundedText(response: Response): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    while (size > MAX_BODY_BYTES && chunks.length > 1) {
      size -= (chunks.shift() as Uint8Array).byteLength;
      truncated = true;
    }
    // A single endless chunk stream: stop once far past the bound.
    if (size > 4 * MAX_BODY_BYTES) {
      truncated = true;
      await reader.cancel();
      break;
    }
  }
  const all = Buffer.concat(chunks);
  const tail = all.byteLength > MAX_BODY_BYTES ? all.subarray(all.byteLength - MAX_BODY_BYTES) : all;
  return { text: tail.toString('utf8'), truncated: truncated || all.byteLength > MAX_BODY_BYTES };
}

function fail(status: WorkOutcome['status'], summary: string, secrets: Readonly<Record<string, string>>): WorkOutcome {
  const safe = redact(summary, secrets);
  return { status, summary: safe, detail: { output: safe } };
}

/**
 * The request over node:https trusting `ca` (fetch in Node 20 takes no CA of its own without
 * undici's Agent), answered as a fetch Response so one reader bounds both. Like fetch with
 * `redirect: 'manual'`, a redirect is answered, not followed.
 */
function httpsWithCa(
  target: URL,
  init: { method: string; headers: Record<string, string>; body?: string; signal: AbortSignal },
  ca: string[],
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const req = https.request(target, { method: init.method, headers: init.headers, signal: init.signal, ca }, (res) =>
      resolve(
        new Response(
          res.statusCode === 204 || res.statusCode === 304 ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>),
          { status: res.statusCode ?? 500 },
        ),
      ),
    );
    // Aborted by the signal: reject as fetch would, with the signal's reason (a TimeoutError names the timeout).
    req.on('error', (err) => reject(init.signal.aborted ? init.signal.reason : err));
    req.end(init.body);
  });
}

export async function runHttpAction(
  action: HttpAction,
  timeoutMs: number,
  context: ExecutionContext,
): Promise<WorkOutcome> {
  const { secrets } = context;
  const url = fillSecrets(action.url, secrets);
  if ('missing' in url) return fail('error', `The secret ${url.missing} is not configured on the server`, secrets);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(action.headers)) {
    const filled = fillSecrets(value, secrets);
    if ('missing' in filled)
      return fail('error', `The secret ${filled.missing} is not configured on the server`, secrets);
    headers[name] = filled.text;
  }
  const body = action.body === undefined ? undefined : fillSecrets(action.body, secrets);
  if (body && 'missing' in body)
    return fail('error', `The secret ${body.missing} is not configured on the server`, secrets);
  let target: URL;
  try {
    target = new URL(url.text);
  } catch {
    return fail('error', 'The URL is not a URL', secrets);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    return fail('error', `The scheme ${target.protocol} is refused: jobs send http and https requests only`, secrets);
  if (METADATA_HOSTS.includes(target.hostname) && !context.settings.allowedPrivateTargets.includes(target.hostname))
    return fail(
      'error',
      `${target.hostname} is a metadata address; this runner does not allow it (allowedPrivateTargets)`,
      secrets,
    );
  const started = context.now();
  try {
    const init = {
      method: action.method,
      headers,
      ...(body && action.method !== 'GET' && action.method !== 'HEAD' ? { body: body.text } : {}),
      signal: AbortSignal.any([context.signal, AbortSignal.timeout(timeoutMs)]),
    };
    const ca = target.protocol === 'https:' ? trustedCertificates(context.settings.caCertificates) : undefined;
    const response = ca ? await httpsWithCa(target, init, ca) : await fetch(target, { ...init, redirect: 'manual' });
    const read = await boundedText(response);
    const ok = response.status >= 200 && response.status < 300;
    const summary = `status ${response.status}${ok ? '' : ' (not 2xx)'} in ${context.now() - started} ms`;
    return {
      status: ok ? 'success' : 'failure',
      summary,
      detail: {
        status: response.status,
        durationMs: context.now() - started,
        output: redact(read.truncated ? `…${read.text}` : read.text, secrets),
      },
    };
  } catch (err) {
    const reason =
      err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err as Error).message;
    return fail(context.signal.aborted ? 'error' : 'failure', `The request failed: ${reason}`, secrets);
  }
}

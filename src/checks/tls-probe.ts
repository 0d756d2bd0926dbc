import { isIP } from 'node:net';
import tls from 'node:tls';
import type { CheckRequest } from './model.ts';
import { failedBefore, ms, type ProbeContext, type ProbeResult, pinnedLookup, reasonOf } from './probe.ts';
import { guardTarget } from './target-guard.ts';

const DAY_MS = 86_400_000;

/**
 * A TLS check: the handshake succeeds with a certificate the runner trusts for the host
 * name, valid for at least `minDaysValid` more days (judged against the runner's clock).
 */
export async function tlsProbe(
  request: Extract<CheckRequest, { type: 'tls' }>,
  context: ProbeContext,
): Promise<ProbeResult> {
  const started = context.clock();
  const elapsed = () => ms(context.clock() - started);
  const guard = await guardTarget(request.host, context.allowances, context.resolve, context.clock);
  if (!guard.ok) return failedBefore(`refused: ${guard.reason}`, elapsed(), ms(guard.dnsMs));
  let connectedAt = 0;
  let validTo: string;
  try {
    validTo = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({
        host: request.host,
        port: request.port,
        ...(isIP(request.host) ? {} : { servername: request.host }),
        lookup: pinnedLookup(guard.address) as unknown as tls.ConnectionOptions['lookup'],
        ...(context.ca?.length ? { ca: [...context.ca] } : {}),
      });
      const abort = () => socket.destroy(new Error('aborted'));
      context.signal.addEventListener('abort', abort, { once: true });
      socket.once('connect', () => {
        connectedAt = context.clock() - started;
      });
      socket.once('secureConnect', () => {
        context.signal.removeEventListener('abort', abort);
        const valid = socket.getPeerCertificate().valid_to;
        socket.destroy();
        resolve(valid);
      });
      socket.once('error', (err) => {
        context.signal.removeEventListener('abort', abort);
        reject(err);
      });
    });
  } catch (err) {
    return failedBefore(`TLS handshake failed: ${reasonOf(err, context.signal)}`, elapsed(), ms(guard.dnsMs));
  }
  const total = elapsed();
  const days = Math.floor((Date.parse(validTo) - context.now()) / DAY_MS);
  const ok = days >= request.minDaysValid;
  return {
    ok,
    summary: ok
      ? `certificate valid for ${days} more days`
      : `certificate expires in ${days} days, fewer than ${request.minDaysValid}`,
    responseTimeMs: total,
    timings: {
      ...(guard.dnsMs > 0 ? { dns: ms(guard.dnsMs) } : {}),
      connect: ms(connectedAt - guard.dnsMs),
      tls: ms(total - connectedAt),
      total,
    },
    assertions: [
      { assertion: `certificate.expiresInDays >= ${request.minDaysValid}`, passed: ok, actual: String(days) },
    ],
  };
}

import net from 'node:net';
import type { CheckRequest } from './model.ts';
import { failedBefore, ms, type ProbeContext, type ProbeResult, pinnedLookup, reasonOf } from './probe.ts';
import { guardTarget } from './target-guard.ts';

/** A TCP check: the port accepts a connection (timed: DNS, connect), which is then closed. */
export async function tcpProbe(
  request: Extract<CheckRequest, { type: 'tcp' }>,
  context: ProbeContext,
): Promise<ProbeResult> {
  const started = context.clock();
  const elapsed = () => ms(context.clock() - started);
  const guard = await guardTarget(request.host, context.allowances, context.resolve, context.clock);
  if (!guard.ok) return failedBefore(`refused: ${guard.reason}`, elapsed(), ms(guard.dnsMs));
  try {
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect({
        host: request.host,
        port: request.port,
        lookup: pinnedLookup(guard.address) as unknown as net.LookupFunction,
        signal: context.signal,
      } as net.NetConnectOpts);
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', reject);
    });
  } catch (err) {
    return failedBefore(
      `could not connect to port ${request.port}: ${reasonOf(err, context.signal)}`,
      elapsed(),
      ms(guard.dnsMs),
    );
  }
  const total = elapsed();
  return {
    ok: true,
    summary: `port ${request.port} accepted a connection in ${total} ms`,
    responseTimeMs: total,
    timings: { ...(guard.dnsMs > 0 ? { dns: ms(guard.dnsMs) } : {}), connect: ms(total - guard.dnsMs), total },
    assertions: [],
  };
}

import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { CheckRequest } from './model.ts';
import { failedBefore, ms, type ProbeContext, type ProbeResult } from './probe.ts';
import { guardTarget } from './target-guard.ts';

/** Answers kept in a result: a name with hundreds of records is summarised. */
const MAX_ANSWERS = 20;

type DnsRequest = Extract<CheckRequest, { type: 'dns' }>;

/** Every answer of one record type, as text (`10 mail.example` for MX, joined strings for TXT). */
async function answersOf(resolver: Resolver, request: DnsRequest): Promise<string[]> {
  switch (request.recordType) {
    case 'A':
      return resolver.resolve4(request.name);
    case 'AAAA':
      return resolver.resolve6(request.name);
    case 'CNAME':
      return resolver.resolveCname(request.name);
    case 'NS':
      return resolver.resolveNs(request.name);
    case 'MX':
      return (await resolver.resolveMx(request.name)).map((mx) => `${mx.priority} ${mx.exchange}`);
    case 'TXT':
      return (await resolver.resolveTxt(request.name)).map((parts) => parts.join(''));
  }
}

/** The address of a resolver as a check names it (`1.1.1.1`, `1.1.1.1:53`, `[2606:4700::1111]:53`, `2606:4700::1111`). */
export function resolverAddress(server: string): string {
  if (server.startsWith('[')) return server.slice(1, server.indexOf(']'));
  if (isIP(server) !== 0) return server;
  return server.slice(0, server.lastIndexOf(':'));
}

/**
 * A DNS check: the name resolves (through the given server, else the runner's resolvers) to
 * records of the type, including every expected value. A server the check names is the one
 * place it sends packets, so the SSRF guard judges it like any target: a private, loopback,
 * link-local or metadata resolver is refused unless the runner allows it (the runner's own
 * resolvers, used when none is named, are its configuration, not the check's).
 */
export async function dnsProbe(request: DnsRequest, context: ProbeContext, timeoutMs: number): Promise<ProbeResult> {
  const started = context.clock();
  const elapsed = () => ms(context.clock() - started);
  if (request.server) {
    // An IP literal (the catalog refuses names): judged as it is, nothing resolved.
    const guarded = await guardTarget(resolverAddress(request.server), context.allowances, context.resolve);
    if (!guarded.ok) return failedBefore(`refused: resolver ${guarded.reason}`, elapsed());
  }
  const resolver = new Resolver({ timeout: Math.max(1, Math.min(timeoutMs, 30_000)), tries: 1 });
  if (request.server) resolver.setServers([request.server]);
  const cancel = () => resolver.cancel();
  context.signal.addEventListener('abort', cancel, { once: true });
  let answers: string[];
  try {
    answers = await answersOf(resolver, request);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return failedBefore(`${request.recordType} ${request.name} did not resolve (${code})`, elapsed());
  } finally {
    context.signal.removeEventListener('abort', cancel);
  }
  const total = elapsed();
  const shown = answers.slice(0, MAX_ANSWERS).join(', ');
  const assertions = request.expect.map((value) => ({
    assertion: `${request.recordType} contains ${value}`,
    passed: answers.some((a) => a.toLowerCase() === value.toLowerCase()),
    actual: shown.slice(0, 200),
  }));
  const failed = assertions.find((a) => !a.passed);
  return {
    ok: !failed,
    summary: failed
      ? `${failed.assertion} failed: saw ${failed.actual || 'no records'}`
      : `${answers.length} ${request.recordType} record(s) in ${total} ms`,
    responseTimeMs: total,
    timings: { dns: total, total },
    assertions,
  };
}

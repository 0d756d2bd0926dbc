import { Resolver } from 'node:dns/promises';
import type { CheckRequest } from './model.ts';
import { failedBefore, ms, type ProbeContext, type ProbeResult } from './probe.ts';

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

/**
 * A DNS check: the name resolves (through the given server, else the runner's resolvers) to
 * records of the type, including every expected value. It queries a resolver and connects
 * nowhere else, so the SSRF guard does not apply.
 */
export async function dnsProbe(request: DnsRequest, context: ProbeContext, timeoutMs: number): Promise<ProbeResult> {
  const started = context.clock();
  const elapsed = () => ms(context.clock() - started);
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

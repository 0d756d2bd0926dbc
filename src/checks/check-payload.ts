import { z } from 'zod';
import type { Json } from '../runners/model.ts';
import { type CheckDefinition, type CheckRequest, DNS_RECORD_TYPES, HTTP_METHODS, type RetryPolicy } from './model.ts';

/**
 * What a check's work order carries to the runner (WorkOrder.payload) and how the runner
 * reads it back. The runner trusts nothing it is sent: the payload is parsed again against
 * a bounded shape, and an order that does not fit is an `error` outcome, not a crash. Pure.
 */

export interface CheckPayload {
  request: CheckRequest;
  timeoutMs: number;
  retries: Pick<RetryPolicy, 'strategy' | 'count' | 'delayMs'>;
}

/** The payload of one round's order: retries ride along only when they happen where the run failed. */
export function checkPayload(check: CheckDefinition): CheckPayload & Json {
  const retries = check.retries.sameLocation ? check.retries.count : 0;
  return {
    request: check.request as unknown as Json,
    timeoutMs: check.timeoutMs,
    retries: { strategy: check.retries.strategy, count: retries, delayMs: check.retries.delayMs },
  } as CheckPayload & Json;
}

const text = (max: number) => z.string().max(max);
const request = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('http'),
    method: z.enum(HTTP_METHODS),
    url: text(2048),
    headers: z.record(text(100), text(4096)),
    body: text(64 * 1024).optional(),
    assertions: z.array(text(1000)).max(50),
  }),
  z.object({ type: z.literal('tcp'), host: text(253), port: z.number().int().min(1).max(65535) }),
  z.object({
    type: z.literal('dns'),
    name: text(253),
    recordType: z.enum(DNS_RECORD_TYPES),
    expect: z.array(text(512)).max(50),
    server: text(64).optional(),
  }),
  z.object({
    type: z.literal('tls'),
    host: text(253),
    port: z.number().int().min(1).max(65535),
    minDaysValid: z.number().int().min(0).max(3650),
  }),
  z.object({ type: z.literal('browser'), script: text(64 * 1024) }),
]);
const payload = z.object({
  request,
  timeoutMs: z.number().int().min(1).max(120_000),
  retries: z.object({
    strategy: z.enum(['fixed', 'linear']),
    count: z.number().int().min(0).max(5),
    delayMs: z.number().int().min(0).max(120_000),
  }),
});

/** The payload, or undefined when it is not a check order this runner can read. */
export function readCheckPayload(value: Json): CheckPayload | undefined {
  const parsed = payload.safeParse(value);
  return parsed.success ? (parsed.data as CheckPayload) : undefined;
}

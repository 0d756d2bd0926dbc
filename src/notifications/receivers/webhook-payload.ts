import { createHmac } from 'node:crypto';
import { boundedSummary, type OutboxEntry } from '../model.ts';

/**
 * The generic webhook's body and signature (user guide §18.4). Pure: the time is the
 * caller's.
 *
 * The signature header reads `t=<unix seconds>,v1=<hex>`, where the hex is the
 * HMAC-SHA256, keyed with the receiver's secret, of `<t>.<body>` (the exact bytes sent).
 * A receiver recomputes it, compares in constant time, and refuses a `t` far from its own
 * clock, so a recorded request cannot be replayed later.
 */
export const SIGNATURE_HEADER = 'x-atrium-signature';
/** The entry's id: a receiver that sees it twice (a redelivery after a lost answer) can drop the second. */
export const NOTIFICATION_ID_HEADER = 'x-atrium-notification';

export function webhookPayload(entry: OutboxEntry): Record<string, unknown> {
  const m = entry.message;
  return {
    id: entry.id,
    action: m.action,
    dedupKey: entry.dedupKey,
    summary: boundedSummary(m.summary),
    severity: m.severity,
    source: m.source,
    ...(m.component ? { component: m.component } : {}),
    ...(m.group ? { group: m.group } : {}),
    ...(m.class ? { class: m.class } : {}),
    ...(m.owner ? { owner: m.owner } : {}),
    details: m.details,
    links: m.links,
    createdAt: entry.createdAt,
  };
}

/** The signature header's value for `body` sent at `at`. */
export function webhookSignature(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

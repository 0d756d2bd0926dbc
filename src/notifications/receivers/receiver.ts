import type { DeliveryOutcome, OutboxEntry } from '../model.ts';

export type ReceiverType = 'pagerduty' | 'slack' | 'webhook';

/** Where the outbox delivers messages: one configured receiver (atrium.yaml's notifications.receivers). */
export interface Receiver {
  readonly name: string;
  readonly type: ReceiverType;
  deliver(entry: OutboxEntry, signal: AbortSignal): Promise<DeliveryOutcome>;
}

/** A receiver's whole exchange; a receiver that takes longer is tried again later. */
export const RECEIVER_TIMEOUT_MS = 10_000;
/** Receivers answer a few hundred bytes; more is read no further. */
export const RECEIVER_MAX_BYTES = 16 * 1024;

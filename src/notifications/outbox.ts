import { keyReused } from '../platform/db/idempotency.ts';
import type { Logger } from '../platform/log.ts';
import { afterAttempt, DEFAULT_RETRY, type OutboxEntry, type RetryPolicy } from './model.ts';
import type { Receiver } from './receivers/receiver.ts';
import { RECEIVER_TIMEOUT_MS } from './receivers/receiver.ts';
import type { Executor, NewNotification, NotificationFilter, NotificationStore } from './store.ts';

export interface OutboxOptions {
  now?: () => Date;
  retry?: RetryPolicy;
  logger?: Logger;
}

/** Entries one delivery run takes at most; the rest wait for the next run (one a second). */
const BATCH = 50;
/** Deliveries in flight at once within a run. */
const PARALLEL = 4;
/** An attempt's claim outlasts the receiver's timeout, so a live attempt is never taken twice. */
const LEASE_MS = RECEIVER_TIMEOUT_MS * 3;

/**
 * The notification outbox: requests queue messages (a row, nothing sent), and `deliverDue`
 * (a background task) sends what is due through the configured receivers, with backoff.
 * Delivery is at least once: an entry is marked sent only after its receiver accepted it,
 * so a crash in between sends it again, and receivers collapse the repeat by its dedup key.
 */
export class Outbox {
  private readonly now: () => Date;
  private readonly retry: RetryPolicy;
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly store: NotificationStore,
    private readonly receivers: ReadonlyMap<string, Receiver>,
    private readonly options: OutboxOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.retry = options.retry ?? DEFAULT_RETRY;
  }

  hasReceiver(name: string): boolean {
    return this.receivers.has(name);
  }

  receiverType(name: string): Receiver['type'] | undefined {
    return this.receivers.get(name)?.type;
  }

  /** Called after an entry is queued or its status moves (the portal re-renders pages showing it). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Queues a message; a retry with its idempotency key answers the first entry (`replayed`), another request with it is a 422. */
  async enqueue(input: NewNotification): Promise<{ entry: OutboxEntry; replayed: boolean }> {
    const result = await this.store.enqueue(input, this.now());
    if (result.kind === 'conflict') throw keyReused(input.idempotency?.key ?? '');
    if (result.kind === 'queued') this.changed();
    return { entry: result.entry, replayed: result.kind === 'replayed' };
  }

  /**
   * Queues several messages at once: in `into`, a transaction the caller opened (they commit
   * with its own writes; pages see them at the next delivery run), else in one of their own.
   */
  async enqueueAll(inputs: readonly NewNotification[], into?: Executor): Promise<OutboxEntry[]> {
    const entries = await this.store.enqueueAll(inputs, this.now(), into);
    if (!into && entries.length > 0) this.changed();
    return entries;
  }

  /** The entries with these idempotencies (a replayed request's), in the order asked. */
  byIdempotencies(idempotencies: readonly string[]): Promise<OutboxEntry[]> {
    return this.store.byIdempotencies(idempotencies);
  }

  list(filter: NotificationFilter, limit: number): Promise<OutboxEntry[]> {
    return this.store.list(filter, limit);
  }

  /** The configured receivers' names and types, for the Notifications page (never their URLs). */
  receiverList(): { name: string; type: Receiver['type'] }[] {
    return [...this.receivers.values()].map((r) => ({ name: r.name, type: r.type }));
  }

  entry(id: number): Promise<OutboxEntry | undefined> {
    return this.store.byId(id);
  }

  recentFor(subjectKey: string, limit: number): Promise<OutboxEntry[]> {
    return this.store.recentFor(subjectKey, limit);
  }

  /**
   * Attempts every due entry once (with `only`, those of these ids that are due: a
   * command delivering what it queued); answers how many attempts were made.
   */
  async deliverDue(signal: AbortSignal = new AbortController().signal, only?: readonly number[]): Promise<number> {
    const due = await this.store.due(this.now(), BATCH, only);
    let next = 0;
    let attempted = 0;
    const worker = async () => {
      while (next < due.length && !signal.aborted) {
        const entry = due[next++] as OutboxEntry;
        if (await this.attempt(entry, signal)) attempted++;
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    if (attempted > 0) this.changed();
    return attempted;
  }

  private async attempt(entry: OutboxEntry, signal: AbortSignal): Promise<boolean> {
    if (!(await this.store.claim(entry, new Date(this.now().getTime() + LEASE_MS)))) return false;
    const receiver = this.receivers.get(entry.receiver);
    const outcome = receiver
      ? await receiver.deliver(entry, signal)
      : ({ kind: 'retry', error: `receiver "${entry.receiver}" is not configured` } as const);
    if (signal.aborted && outcome.kind !== 'sent') return false; // stopped mid-way: the lease ends and it is due again
    const update = afterAttempt(entry.attempts, outcome, this.now(), this.retry);
    await this.store.record(entry.id, update);
    if (update.status === 'failed')
      this.options.logger?.warn(
        { component: 'notifications', receiver: entry.receiver, id: entry.id, attempts: update.attempts },
        `notification ${entry.id} failed for good: ${update.lastError}`,
      );
    return true;
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

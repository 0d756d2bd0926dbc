import { randomUUID } from 'node:crypto';
import type { EntityDescriptor } from '../catalog/reader.ts';
import { AtriumError } from '../platform/errors.ts';
import { keyOfRef, keyOfTeam } from '../platform/entity-ref.ts';
import type { NotificationMessage, OutboxEntry } from './model.ts';
import type { Outbox } from './outbox.ts';
import type { Executor, NotificationFilter } from './store.ts';
import { type TeamReceivers, teamOf, teamReceivers } from './team-receivers.ts';

/** What `notify` sends, and to whom. */
export interface Notify {
  /**
   * Whose receivers: a team (`group:default/checkout`, or a bare `checkout`) or any entity
   * (`component:default/shipment-service`, `slo:default/…`), whose owner's receivers it reaches.
   */
  to: string;
  /** What the message is about (its entity's key, shown on its page); `to`'s key when left out. */
  subject?: string;
  message: NotificationMessage;
  /**
   * The alert this message belongs to: a trigger, its acknowledge and its resolve share it.
   * Receivers collapse repeats by it (PagerDuty's dedup_key), and messages with one key reach
   * each receiver in the order they were queued.
   */
  dedupKey: string;
  /** Who or what queued it (a token's name, `slo-alerting`). */
  createdBy: string;
}

export interface Notified extends TeamReceivers {
  entries: OutboxEntry[];
}

export interface NotificationsOptions {
  /** atrium.yaml's notifications.teams: a team's key -> receiver names. */
  teams?: Readonly<Record<string, readonly string[]>>;
}

const TEST_ROUTE = 'notifications/test';
const TEST_ACTIONS = ['trigger', 'resolve'] as const;

/**
 * Notifications for teams: which receivers a team (or an entity's owner) has, queueing a
 * message to each of them in the outbox, the outbox's list, and test messages.
 *
 * @example
 * // In another capability's transaction: its alert row and the messages commit together.
 * await database.db.transaction().execute(async (trx) => {
 *   await sloStore.recordFiring(trx, alert);
 *   await notifications.notify(
 *     { to: 'component:default/shipment-service', message, dedupKey: 'slo:default/shipments-availability:page', createdBy: 'slo-alerting' },
 *     trx,
 *   );
 * });
 */
export class NotificationService {
  constructor(
    private readonly descriptors: (keys: readonly string[]) => Promise<Map<string, EntityDescriptor>>,
    private readonly outbox: Outbox,
    private readonly options: NotificationsOptions = {},
  ) {}

  /**
   * The receivers of a team, or of an entity's owner. A team need not be in the catalog
   * (atrium.yaml may name it); another entity must be, with an owner.
   */
  async receiversOf(ref: string): Promise<TeamReceivers> {
    const key = this.keyOf(ref);
    const found = (await this.descriptors([key])).get(key);
    const team = found ? teamOf(found.entity) : keyOfTeam(ref);
    if (!team)
      throw new AtriumError({
        category: 'user-fixable',
        code: found ? 'no-owner' : 'entity-not-found',
        status: found ? 422 : 404,
        message: found ? `${found.ref} has no owning team to notify` : `No entity ${key} in the catalog`,
        hint: found
          ? 'Give it a spec.owner that is a Group.'
          : 'Name a team (group:default/checkout) or a catalog entity.',
      });
    const group = team === key ? found : (await this.descriptors([team])).get(team);
    return teamReceivers(team, group?.entity.metadata.annotations, this.options.teams ?? {}, (n) =>
      this.outbox.hasReceiver(n),
    );
  }

  /**
   * Queues `message` once for each receiver of `to`'s team, all or none: in `into` when the
   * caller has a transaction open (its own writes and these messages then commit together),
   * else in a transaction of their own. A team without receivers gets nothing (`entries`
   * empty, `problems` saying why when something was named but cannot be used).
   */
  async notify(notify: Notify, into?: Executor): Promise<Notified> {
    const resolved = await this.receiversOf(notify.to);
    const subjectKey = notify.subject === undefined ? this.keyOf(notify.to) : keyOfRef(notify.subject);
    const entries = await this.outbox.enqueueAll(
      resolved.receivers.map((receiver) => ({
        receiver,
        subjectKey,
        message: notify.message,
        dedupKey: notify.dedupKey,
        createdBy: notify.createdBy,
      })),
      into,
    );
    return { ...resolved, entries };
  }

  /**
   * A test for each of a team's receivers: a trigger (severity info) and its resolve, so
   * PagerDuty closes the incident it opens. With `idempotencyKey`, a retry answers the first
   * test's messages (`replayed`) instead of sending again.
   */
  async sendTest(
    team: string,
    principal: string,
    idempotencyKey?: string,
  ): Promise<{ notified: Notified; replayed: boolean }> {
    const key = keyOfTeam(team);
    if (!key)
      throw new AtriumError({
        category: 'user-fixable',
        code: 'invalid-request',
        status: 422,
        message: 'Invalid request: team: not a Group reference',
        hint: 'Name a team, e.g. checkout or group:default/checkout.',
        details: { errors: [{ field: 'team', message: 'not a Group reference' }] },
      });
    const resolved = await this.receiversOf(key);
    if (resolved.receivers.length === 0)
      throw new AtriumError({
        category: 'user-fixable',
        code: 'no-receivers',
        status: 409,
        message: `${key} has no notification receivers${resolved.problems.length ? `: ${resolved.problems.join('; ')}` : ''}`,
        hint: 'List receivers for the team under notifications.teams in atrium.yaml, or name them in the Group’s atrium.dev/notification-receivers annotation.',
      });
    // One idempotency per message (it is unique per row); a JSON array, so the parts cannot run together.
    const idempotency = (receiver: string, action: string) =>
      idempotencyKey === undefined
        ? {}
        : { unique: JSON.stringify([principal, TEST_ROUTE, idempotencyKey, receiver, action]) };
    const replay = async () => {
      if (idempotencyKey === undefined) return undefined;
      const entries = await this.outbox.byIdempotencies(
        resolved.receivers.flatMap((r) => TEST_ACTIONS.map((a) => idempotency(r, a).unique as string)),
      );
      return entries.length > 0 ? { notified: { ...resolved, entries }, replayed: true } : undefined;
    };
    const earlier = await replay();
    if (earlier) return earlier;
    const dedupKey = `atrium-test-${randomUUID()}`;
    const summary = `Test notification from Atrium for ${key}, sent by ${principal}: nothing is wrong.`;
    const message = (action: 'trigger' | 'resolve'): NotificationMessage => ({
      action,
      summary,
      severity: 'info',
      source: key,
      class: 'test',
      owner: key,
      details: { sentBy: principal },
      links: [],
    });
    try {
      const entries = await this.outbox.enqueueAll(
        resolved.receivers.flatMap((receiver) =>
          TEST_ACTIONS.map((action) => ({
            receiver,
            subjectKey: key,
            message: message(action),
            dedupKey,
            createdBy: principal,
            ...idempotency(receiver, action),
          })),
        ),
      );
      return { notified: { ...resolved, entries }, replayed: false };
    } catch (err) {
      // Two retries racing: the loser's transaction fails on the unique idempotency and answers the winner's.
      const winner = await replay();
      if (winner) return winner;
      throw err;
    }
  }

  list(filter: NotificationFilter, limit: number): Promise<OutboxEntry[]> {
    return this.outbox.list(filter, limit);
  }

  receivers(): { name: string; type: string }[] {
    return this.outbox.receiverList();
  }

  /** A reference's key; a bare name is a team's (the form people type). */
  private keyOf(ref: string): string {
    let key: string | undefined;
    try {
      key = ref.includes(':') ? keyOfRef(ref) : keyOfTeam(ref);
    } catch {
      key = undefined;
    }
    if (key === undefined)
      throw new AtriumError({
        category: 'user-fixable',
        code: 'invalid-request',
        status: 422,
        message: 'Invalid request: not an entity reference',
        hint: 'Name a team (group:default/checkout) or an entity (component:default/shipment-service).',
      });
    return key;
  }
}

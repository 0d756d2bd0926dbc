import type { Kysely } from 'kysely';
import type { EntityDescriptor } from '../catalog/reader.ts';
import type { IncidentService } from '../incidents/service.ts';
import { boundedSummary } from '../notifications/model.ts';
import type { NotificationService } from '../notifications/service.ts';
import type { PostmortemSettings } from '../platform/config.ts';
import { idempotencyOf, keyReused } from '../platform/db/idempotency.ts';
import type { Schema } from '../platform/db/schema.ts';
import { DEFAULT_NAMESPACE, parseEntityRef, refKey } from '../platform/entity-ref.ts';
import { AtriumError } from '../platform/errors.ts';
import type { Logger } from '../platform/log.ts';
import {
  countedItems,
  dateOfDay,
  ownerKeyOf,
  reasonProblemOf,
  tooManyItems,
  validateActionItem,
} from './action-items.ts';
import type { ActionItem, ActionItemFields, FieldProblem, PostMortem } from './model.ts';
import { escalationSprint, isOverdue, localDayOf, overdueFrom, type SprintSettings } from './sprints.ts';
import {
  type AddOutcome,
  type ItemFilter,
  MAX_LISTED,
  type PostmortemStore,
  type TrackedItem,
  type WriteOutcome,
} from './store.ts';
import { type IncidentOutline, MAX_POSTMORTEM_BYTES, postmortemTemplate } from './template.ts';

/** An incident as post-mortems need it, or undefined when there is no such incident (the incidents capability answers). */
export type IncidentLookup = (id: string) => Promise<IncidentOutline | undefined>;

/** The lookup through the incidents capability: its ids are numbers, its view has the timeline the template starts from. */
export function incidentLookupOf(incidents: Pick<IncidentService, 'view'>): IncidentLookup {
  return async (id) => {
    if (!/^\d{1,15}$/.test(id)) return undefined;
    const view = await incidents.view(Number(id));
    return view && { id, title: view.incident.title, timeline: view.timeline };
  };
}

/** A write's answer as the API sends it (a replay of an Idempotency-Key answers the first). */
export interface WriteResult {
  status: number;
  body: string;
  replayed: boolean;
}

/** An action item with what the pages and the dashboard say about it. */
export interface ItemView extends ActionItem {
  /** Whether it is still open two sprints after its post-mortem's publication. */
  overdue: boolean;
  /** The day it becomes (or became) overdue; undefined before the post-mortem is published. */
  overdueFrom?: string;
}

export interface PostmortemView {
  incidentId: string;
  postmortem?: PostMortem;
  items: ItemView[];
}

export interface PostmortemServiceOptions {
  now?: () => Date;
  settings: PostmortemSettings;
  logger?: Logger;
  /** Items one read of a list takes (MAX_LISTED; tests shorten it to page through a few). */
  readBatch?: number;
}

/** One page of a list of items, and the `after` of the next page (null: this was the last). */
export interface ItemPage {
  items: ItemView[];
  next: number | null;
}

/** Who is told an item is overdue: a team's receivers, and the lead's people as the message names them. */
interface EscalationTarget {
  notified?: string;
  leads: string[];
  problem?: string;
}

const INCIDENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Post-mortems of incidents and their action items: publishing and editing, review by
 * someone other than the author, items added under the three-item rule with catalog owners
 * and bounded deadlines, done or deprioritised with a reason, and escalation of items still
 * open two sprints after publication to the owner's team lead, once per item and sprint
 * across replicas.
 */
export class PostmortemService {
  private readonly now: () => Date;
  private readonly listeners: (() => void)[] = [];
  /** Where post-mortems stood at the last poll (pollEdits). */
  private lastMark: string | undefined;

  constructor(
    private readonly store: PostmortemStore,
    private readonly descriptors: (keys: readonly string[]) => Promise<Map<string, EntityDescriptor>>,
    private readonly incidents: IncidentLookup,
    private readonly notifications: Pick<NotificationService, 'notify'>,
    private readonly options: PostmortemServiceOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Calls `listener` after every write and escalation here (the portal renders the pages showing them afresh). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /**
   * Looks whether post-mortems moved since the last poll, on any replica (the store's mark),
   * and if so tells the listeners: another replica's write reaches this one's cached team
   * pages. The first poll only notes where they stand. True when they moved.
   */
  async pollEdits(): Promise<boolean> {
    const mark = await this.store.mark();
    const moved = this.lastMark !== undefined && mark !== this.lastMark;
    this.lastMark = mark;
    if (moved) this.changed(undefined);
    return moved;
  }

  private changed<T>(value: T): T {
    for (const listener of this.listeners) listener();
    return value;
  }

  get settings(): PostmortemSettings {
    return this.options.settings;
  }

  private get sprint(): SprintSettings {
    return this.options.settings.sprint;
  }

  /** An incident's post-mortem (if published) and its items; 404 without the incident. */
  async view(incidentId: string): Promise<PostmortemView> {
    await this.incident(incidentId);
    return this.viewOf(incidentId);
  }

  private async viewOf(incidentId: string): Promise<PostmortemView> {
    const [postmortem, tracked] = await Promise.all([
      this.store.postmortem(incidentId),
      this.store.items({ incidents: [incidentId] }),
    ]);
    return {
      incidentId,
      ...(postmortem ? { postmortem } : {}),
      items: tracked.map(({ item, publishedAt }) => this.itemView(item, publishedAt)),
    };
  }

  /** What the post-mortem page shows: the incident's title, the post-mortem or, before publication, the template. */
  async page(incidentId: string): Promise<{ view: PostmortemView; title: string; template?: string }> {
    const incident = await this.incident(incidentId);
    const view = await this.viewOf(incidentId);
    if (view.postmortem) return { view, title: incident.title };
    const counted = countedItems(view.items);
    return { view, title: incident.title, template: postmortemTemplate(incident, counted) };
  }

  /** The Markdown a new post-mortem starts from: the blameless template with the incident's timeline. */
  async template(incidentId: string): Promise<string> {
    const incident = await this.incident(incidentId);
    const items = countedItems((await this.store.items({ incidents: [incidentId] })).map((t) => t.item));
    return postmortemTemplate(incident, items);
  }

  /**
   * Publishes (first time) or edits an incident's post-mortem, now or, for the demo's
   * history, at `at` (a post-mortem published weeks ago, whose items are overdue).
   */
  async publish(
    incidentId: string,
    markdown: string,
    principal: string,
    route: string,
    idempotencyKey: string | undefined,
    at: Date = this.now(),
  ): Promise<WriteResult> {
    await this.incident(incidentId);
    if (markdown.trim() === '' || Buffer.byteLength(markdown, 'utf8') > MAX_POSTMORTEM_BYTES)
      throw invalid([
        {
          field: 'markdown',
          message: `the post-mortem's Markdown, not empty, at most ${MAX_POSTMORTEM_BYTES / 1024} KiB`,
        },
      ]);
    const outcome = await this.store.publish(
      incidentId,
      markdown,
      principal,
      at.toISOString(),
      (postmortem) => ({ status: 200, body: JSON.stringify(postmortem) }),
      idempotencyOf(principal, route, idempotencyKey, [incidentId, markdown]),
    );
    return this.changed(answered(outcome, idempotencyKey));
  }

  /** Marks a post-mortem reviewed; its author cannot (a review is a second pair of eyes). */
  async review(incidentId: string, principal: string): Promise<PostMortem> {
    const postmortem = await this.published(incidentId);
    if (postmortem.author === principal)
      throw new AtriumError({
        category: 'user-fixable',
        code: 'self-review',
        status: 409,
        message: `${principal} wrote this post-mortem and cannot review it`,
        hint: 'Ask someone else (another token or person) to review it: a review is a second pair of eyes.',
      });
    await this.store.review(incidentId, principal, this.now().toISOString());
    return this.changed(await this.published(incidentId));
  }

  /** Post-mortems published more than `days` days ago that nobody has reviewed, oldest first. */
  unreviewed(days = this.options.settings.unreviewedDays, limit = 200): Promise<PostMortem[]> {
    const before = new Date(this.now().getTime() - days * 86_400_000).toISOString();
    return this.store.unreviewed(before, limit);
  }

  /**
   * Adds an action item: 404 without the incident, 422 with every field problem, and 422
   * with the reason and the way out when three already count.
   */
  async addItem(
    incidentId: string,
    input: Readonly<Record<string, unknown>>,
    principal: string,
    route: string,
    idempotencyKey: string | undefined,
  ): Promise<WriteResult> {
    await this.incident(incidentId);
    const item = await this.validate(input);
    const at = this.now();
    const outcome = await this.store.addItem(
      incidentId,
      item,
      principal,
      at.toISOString(),
      (added) => ({ status: 201, body: JSON.stringify(this.itemView(added, undefined)) }),
      idempotencyOf(principal, route, idempotencyKey, [incidentId, item]),
    );
    return this.changed(answered(outcome, idempotencyKey));
  }

  /** Validates an item as every path does (the form, the API, the CLI through the API). */
  async validate(input: Readonly<Record<string, unknown>>): Promise<ActionItemFields> {
    const owner = typeof input.owner === 'string' ? ownerKeyOf(input.owner) : undefined;
    const today = dateOfDay(localDayOf(this.now(), this.sprint.timeZone));
    const result = validateActionItem(input, {
      today,
      horizonDays: this.options.settings.horizonDays,
      ownerExists: await this.ownerCheck(owner ? [owner] : []),
    });
    if (!result.ok) throw invalid(result.problems);
    return result.item;
  }

  /** Whether each of these owner keys is a User or Group of the catalog, as a check (every path's owner rule). */
  async ownerCheck(keys: readonly string[]): Promise<(key: string) => boolean> {
    const found = keys.length > 0 ? await this.descriptors(keys) : new Map<string, EntityDescriptor>();
    return (key) => {
      const kind = found.get(key)?.entity.kind.toLowerCase();
      return kind === 'user' || kind === 'group';
    };
  }

  /** Marks an item done; 404 when there is none, 409 when it is not open. */
  async complete(itemId: number, principal: string): Promise<ItemView> {
    const item = await this.item(itemId);
    if (!(await this.store.complete(itemId, principal, this.now().toISOString()))) throw notOpen(item);
    return this.changed(await this.itemViewOf(itemId));
  }

  /** Deprioritises an item with a reason and who decided, recorded and shown; it stops counting and escalating. */
  async deprioritise(itemId: number, reason: unknown, principal: string): Promise<ItemView> {
    const problem = reasonProblemOf(reason);
    if (problem) throw invalid([{ field: 'reason', message: problem }]);
    const item = await this.item(itemId);
    if (!(await this.store.deprioritise(itemId, String(reason).trim(), principal, this.now().toISOString())))
      throw notOpen(item);
    return this.changed(await this.itemViewOf(itemId));
  }

  /** Items, filtered (`overdue` keeps the overdue ones only): the first MAX_LISTED, by id. */
  async items(filter: ItemFilter & { overdue?: boolean } = {}): Promise<ItemView[]> {
    return (await this.itemsPage(filter, MAX_LISTED)).items;
  }

  /**
   * Items after item `after` (ids ascending), filtered, at most `limit`, and where the next
   * page starts. Whether an item is overdue depends on the sprints, not on a column, so the
   * store is read in batches until the page is full or the items end.
   */
  async itemsPage(filter: ItemFilter & { overdue?: boolean }, limit: number, after?: number): Promise<ItemPage> {
    const batch = this.options.readBatch ?? MAX_LISTED;
    const items: ItemView[] = [];
    let cursor = after;
    for (;;) {
      const tracked = await this.store.items(filter, { after: cursor, limit: batch });
      for (const { item, publishedAt } of tracked) {
        const view = this.itemView(item, publishedAt);
        if (!filter.overdue || view.overdue) {
          if (items.length === limit) return { items, next: cursor ?? null };
          items.push(view);
        }
        cursor = item.id;
      }
      if (tracked.length < batch) return { items, next: null };
    }
  }

  /** A team's items: owned by the Group or one of its members. */
  async teamItems(groupKey: string): Promise<ItemView[]> {
    return this.items({ owners: await this.ownersOf(groupKey) });
  }

  /** Whose items an owner's list shows: a Group's own and its members', a User's own. */
  async ownersOf(ownerKey: string): Promise<string[]> {
    if (!ownerKey.startsWith('group:')) return [ownerKey];
    const group = (await this.descriptors([ownerKey])).get(ownerKey);
    return [ownerKey, ...(group ? refsOf(group.entity.spec?.members, 'user') : [])];
  }

  /**
   * Escalates every open item of a published post-mortem that is overdue now, once per item
   * and sprint: whichever replica claims (item, sprint) first notifies, in the claim's
   * transaction. Returns how many this call escalated.
   */
  async escalate(): Promise<number> {
    const now = this.now();
    let escalated = 0;
    for await (const { item, publishedAt } of this.allItems({ statuses: ['open'] })) {
      const sprint = escalationSprint(item.status, publishedAt ? new Date(publishedAt) : undefined, now, this.sprint);
      if (sprint === undefined || item.escalatedSprints.includes(sprint)) continue;
      try {
        const target = await this.escalationTarget(item.owner);
        const won = await this.store.escalate(
          item.id,
          sprint,
          now.toISOString(),
          target,
          async (trx: Kysely<Schema>) => {
            if (target.notified) await this.notifications.notify(this.message(item, sprint, target), trx);
          },
        );
        if (won) escalated++;
        if (won && target.problem)
          this.options.logger?.warn(
            { component: 'postmortems', entityRef: item.owner },
            `action item ${item.id} is overdue but ${target.problem}`,
          );
      } catch (err) {
        // One item's failure (its lead's team gone from the catalog) must not hold up the others; the next run retries it.
        this.options.logger?.warn({ component: 'postmortems', err }, `escalating action item ${item.id} failed`);
      }
    }
    return escalated > 0 ? this.changed(escalated) : escalated;
  }

  /** Every item matching `filter`, read a batch at a time (an escalation pass must see them all). */
  private async *allItems(filter: ItemFilter): AsyncGenerator<TrackedItem> {
    const batch = this.options.readBatch ?? MAX_LISTED;
    let after: number | undefined;
    for (;;) {
      const tracked = await this.store.items(filter, { after, limit: batch });
      yield* tracked;
      if (tracked.length < batch) return;
      after = tracked[tracked.length - 1]?.item.id;
    }
  }

  private message(item: ActionItem, sprint: number, target: EscalationTarget) {
    return {
      to: target.notified as string,
      subject: item.owner,
      message: {
        action: 'trigger' as const,
        summary: boundedSummary(
          `Post-mortem action item overdue (incident ${item.incidentId}): “${item.title}”, owned by ${item.owner}, due ${item.deadline}. Do it, or deprioritise it with a reason.`,
        ),
        severity: 'warning' as const,
        source: item.owner,
        class: 'postmortem-action-overdue',
        owner: item.owner,
        details: {
          incident: item.incidentId,
          item: String(item.id),
          title: item.title,
          deadline: item.deadline,
          type: item.type,
          sprint: String(sprint),
          ...(target.leads.length > 0 ? { leads: target.leads.join(', ') } : {}),
        },
        links: item.ticket ? [{ href: item.ticket, text: 'Ticket' }] : [],
      },
      dedupKey: `postmortem-action:${item.id}:sprint:${sprint}`,
      createdBy: 'postmortem-escalation',
    };
  }

  /**
   * The owner's team lead: the configured escalation team when set, else the parent of the
   * owning Group (a User's first Group), whose members the message names.
   */
  private async escalationTarget(owner: string): Promise<EscalationTarget> {
    const configured = this.options.settings.escalationReceiver;
    if (configured) return { notified: configured, leads: [] };
    const found = (await this.descriptors([owner])).get(owner);
    const team = owner.startsWith('group:')
      ? owner
      : found
        ? refsOf(found.entity.spec?.memberOf, 'group')[0]
        : undefined;
    if (!team) return { leads: [], problem: `${owner} is in no Group, so it has no team lead` };
    const group = team === owner ? found : (await this.descriptors([team])).get(team);
    const parent = group
      ? refsOf(group.entity.spec?.parent === undefined ? [] : [group.entity.spec.parent], 'group')[0]
      : undefined;
    if (!parent)
      return {
        leads: [],
        problem: `${team} has no parent Group and postmortems.escalationReceiver is not set: nobody to notify`,
      };
    const lead = (await this.descriptors([parent])).get(parent);
    return { notified: parent, leads: lead ? refsOf(lead.entity.spec?.members, 'user') : [] };
  }

  private itemView(item: ActionItem, publishedAt: string | undefined): ItemView {
    const published = publishedAt ? new Date(publishedAt) : undefined;
    return {
      ...item,
      overdue: isOverdue(item.status, published, this.now(), this.sprint),
      ...(published ? { overdueFrom: overdueFrom(published, this.sprint) } : {}),
    };
  }

  private async itemViewOf(itemId: number): Promise<ItemView> {
    const item = await this.item(itemId);
    const postmortem = await this.store.postmortem(item.incidentId);
    return this.itemView(item, postmortem?.publishedAt);
  }

  private async item(itemId: number): Promise<ActionItem> {
    const item = await this.store.item(itemId);
    if (!item)
      throw new AtriumError({
        category: 'user-fixable',
        code: 'action-item-not-found',
        status: 404,
        message: `No action item ${itemId}`,
        hint: 'List an incident’s items with GET /api/v1/incidents/{id}/postmortem.',
      });
    return item;
  }

  private async published(incidentId: string): Promise<PostMortem> {
    await this.incident(incidentId);
    const postmortem = await this.store.postmortem(incidentId);
    if (!postmortem)
      throw new AtriumError({
        category: 'user-fixable',
        code: 'postmortem-not-found',
        status: 404,
        message: `Incident ${incidentId} has no published post-mortem`,
        hint: 'Publish one first (PUT /api/v1/incidents/{id}/postmortem or atrium incident postmortem publish).',
      });
    return postmortem;
  }

  private async incident(incidentId: string): Promise<IncidentOutline> {
    const incident = INCIDENT_ID.test(incidentId) ? await this.incidents(incidentId) : undefined;
    if (!incident)
      throw new AtriumError({
        category: 'user-fixable',
        code: 'incident-not-found',
        status: 404,
        message: `No incident ${INCIDENT_ID.test(incidentId) ? incidentId : '(malformed id)'}`,
        hint: 'List incidents with GET /api/v1/incidents.',
      });
    return incident;
  }
}

/** 422 with every field problem, the first in the message. */
function invalid(problems: readonly FieldProblem[]): AtriumError {
  const [first] = problems;
  return new AtriumError({
    category: 'user-fixable',
    code: 'invalid-action-item',
    status: 422,
    message: `Invalid request: ${first?.field}: ${first?.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
    hint: 'Nothing was saved. An action item needs a title, an owner (a User or Group of the catalog), a deadline (YYYY-MM-DD) and a type (mitigate, prevent or process).',
    details: { errors: problems },
  });
}

/** The fourth item's refusal: why the rule exists and how to merge or drop one. */
function tooMany(counted: readonly ActionItem[]): AtriumError {
  const message = tooManyItems(counted) ?? '';
  return new AtriumError({
    category: 'user-fixable',
    code: 'too-many-action-items',
    status: 422,
    message,
    hint: 'Merge it into an existing item, or deprioritise one with a reason (PATCH /api/v1/incidents/{id}/actions/{item} with {"status":"deprioritised","reason":"…"}).',
    details: { items: counted.map((i) => ({ id: i.id, title: i.title, status: i.status })) },
  });
}

function notOpen(item: ActionItem): AtriumError {
  return new AtriumError({
    category: 'user-fixable',
    code: 'action-item-not-open',
    status: 409,
    message: `Action item ${item.id} is ${item.status}, not open`,
    hint: 'Only open items can be marked done or deprioritised.',
  });
}

function answered<T>(outcome: WriteOutcome<T> | AddOutcome, idempotencyKey: string | undefined): WriteResult {
  if (outcome.kind === 'conflict') throw keyReused(idempotencyKey ?? '');
  if (outcome.kind === 'replayed') return { ...outcome.answer, replayed: true };
  if (outcome.kind === 'full') throw tooMany(outcome.counted);
  return { ...outcome.response, replayed: false };
}

/** The keys of the references of `kind` in a descriptor's list field (members, memberOf), skipping what does not parse. */
function refsOf(value: unknown, kind: 'user' | 'group'): string[] {
  const list = Array.isArray(value) ? value : [];
  const keys: string[] = [];
  for (const ref of list) {
    if (typeof ref !== 'string') continue;
    try {
      const name = parseEntityRef(ref, { defaultKind: kind, defaultNamespace: DEFAULT_NAMESPACE });
      if (name.kind.toLowerCase() === kind) keys.push(refKey(name));
    } catch {
      // A malformed reference is the catalog's to report; it names nobody here.
    }
  }
  return keys;
}

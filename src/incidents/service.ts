import type { Transaction } from 'kysely';
import { neighbourhood } from '../catalog/graph.ts';
import { EntityRefError, parseEntityRef, refKey } from '../catalog/model.ts';
import type { CatalogReader } from '../catalog/reader.ts';
import type { FeedLine, FeedOrigin } from '../changes/feed-scope.ts';
import { type ChangeLine, type NewChangeEvent, withoutTokenName } from '../changes/model.ts';
import { SLO_ALERT_RECORDER } from '../slo/alert-change.ts';
import type { ChangeService } from '../changes/service.ts';
import { boundedSummary, type NotificationMessage, type Severity } from '../notifications/model.ts';
import type { DoraIncident } from '../dora/model.ts';
import type { NotificationService } from '../notifications/service.ts';
import { idempotencyOf, isKeyTaken, keyReused } from '../platform/db/idempotency.ts';
import type { Schema } from '../platform/db/schema.ts';
import { AtriumError } from '../platform/errors.ts';
import type { Logger } from '../platform/log.ts';
import {
  applyPatch,
  DEFAULT_SEVERITIES,
  DEFAULT_WINDOW_HOURS,
  type DeclareInput,
  declareProblems,
  editsBetween,
  type FieldProblem,
  type Incident,
  type IncidentEdit,
  type IncidentNote,
  type IncidentPatch,
  type IncidentSource,
  incidentLine,
  patchProblems as modelPatchProblems,
  isEscalation,
  isOpen,
  milestoneIndex,
  type LinkedDeployment,
  lineProblem,
  milestoneProblems,
  mttaSeconds,
  mttrSeconds,
  NOTE_MAX,
  normaliseMilestones,
  PERSON_MAX,
  ROLES,
  type SeverityLevel,
  severityRank,
  TITLE_MAX,
  textProblem,
} from './model.ts';
import { PAGERDUTY_SERVICE_ANNOTATION, type PagerDutyEvent } from './pagerduty.ts';
import type { IncidentFilter, IncidentStore, ServiceOwner } from './store.ts';
import { candidateGroups, NOT_SUSPECT_KINDS, rankSuspects, SUSPECTS_SHOWN, type Suspect } from './suspects.ts';
import {
  incidentScope,
  incidentTimeline,
  OWN_CHANGE_MARK,
  type TimelineEntry,
  type TimelinePage,
  timelinePagePlan,
  timelinePageOf,
  timelineWindow,
} from './timeline.ts';

export interface IncidentSettings {
  /** Teams (Group keys) whose page-severity SLO alerts declare an incident by themselves (none by default). */
  autoDeclareTeams?: readonly string[];
  /** The severity scale, most severe first (atrium.yaml's incidents.severities). */
  severities?: readonly SeverityLevel[];
  /** How far before the start a new incident's timeline reaches (hours). */
  windowHours?: number;
  /** Dependency hops up the graph the declare form suggests as affected (the blast radius). */
  blastRadiusHops?: number;
  /** Environments whose deployments are linked for DORA and weigh fully as suspects. */
  productionEnvironments?: readonly string[];
}

export interface IncidentServiceOptions extends IncidentSettings {
  now?: () => Date;
  /** The portal's absolute URL of a site path, for links in notifications (none without a public URL). */
  publicUrl?: (path: string) => string | undefined;
  logger?: Logger;
}

/** Everything the incident page and `GET /api/v1/incidents/{id}` show. */
export interface IncidentView {
  incident: Incident;
  history: IncidentEdit[];
  notes: IncidentNote[];
  /** The timeline, oldest first: all of it, or the page asked for. */
  timeline: TimelineEntry[];
  /** How many entries the whole timeline has. */
  timelineTotal: number;
  /** Where the page of older entries ends (`before`), null when `timeline` reaches the oldest. */
  timelineOlder: number | null;
  suspects: Suspect[];
  window: { from: string; to: string };
  mttaSeconds: number | null;
  mttrSeconds: number | null;
  /** The last successful production deployment of an affected service before the start (DevLake's rule). */
  suggestedDeployment: LinkedDeployment | null;
}

/** Who did it: a token's name (or, on forms, the name typed) — for history and notifications. */
export type Actor = string;

/** The window's newest change events an incident's timeline holds, at most (the benchmark's case is 10,000). */
export const TIMELINE_LIMIT = 10_000;
/** The site path of an incident's page. */
export const incidentPath = (id: number): string => `incidents/${id}/`;
/** The route idempotency keys of declarations are recorded under. */
const DECLARE_ROUTE = '/api/v1/incidents';
/** Deployments looked at (the newest, of all affected services) for the suggested link. */
const LINK_CANDIDATES = 200;
/** How slo/alert-change.ts's summary of a page alert that started firing begins. */
const PAGE_FIRING = 'Page alert firing:';
/** History rows behind the newest a poll counts: a row that commits this far behind a newer one is still seen. */
const LATE_EDITS = 1000;
/** Scopes of affected-service sets kept; past this the memory starts afresh. */
const SCOPES_KEPT = 200;

function invalid(problems: FieldProblem[], hint: string): AtriumError {
  const first = problems[0] as FieldProblem;
  return new AtriumError({
    category: 'user-fixable',
    code: 'invalid-request',
    status: 422,
    message: `Invalid request: ${first.field}: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
    hint,
    details: { errors: problems },
  });
}

export function incidentNotFound(id: number): AtriumError {
  return new AtriumError({
    category: 'user-fixable',
    code: 'incident-not-found',
    status: 404,
    message: `No incident #${id}`,
    hint: 'List incidents with GET /api/v1/incidents or `atrium incident list`.',
  });
}

/** A notification's severity from the incident's: the scale's top is critical, then error, warning, info. */
function notificationSeverity(severities: readonly SeverityLevel[], name: string): Severity {
  const levels: Severity[] = ['critical', 'error', 'warning', 'info'];
  return levels[Math.min(levels.length - 1, Math.max(0, severityRank(severities, name)))] as Severity;
}

/**
 * Incidents: declared on a service (from the API, the CLI, a form, a PagerDuty webhook),
 * edited with every edit on its history, noted, resolved; its timeline assembled from
 * the change events of its services and their dependencies, its suspects ranked, its
 * owners' receivers notified of a declaration, an escalation and the resolution (in the
 * incident's transaction, through the outbox), and each of those on the declared
 * service's timeline as an `incident` change.
 */
export class IncidentService {
  readonly severities: readonly SeverityLevel[];
  private readonly windowHours: number;
  private readonly hops: number;
  private readonly production: readonly string[];
  private readonly now: () => Date;
  private readonly listeners: (() => void)[] = [];
  private readonly scopes = new Map<string, Map<string, FeedOrigin>>();
  /** Where the history stood at the last poll (pollEdits), and the floor its count is taken above. */
  private editMark?: { newest: number; above: number };
  private editFloor = 0;

  constructor(
    readonly store: IncidentStore,
    private readonly catalog: Pick<CatalogReader, 'summariesOf' | 'relationsTouching' | 'entitiesMentioning'>,
    private readonly changes: Pick<ChangeService, 'store' | 'recordChange'>,
    private readonly notifications: Pick<NotificationService, 'notify'> | undefined,
    private readonly options: IncidentServiceOptions = {},
  ) {
    this.severities = options.severities ?? DEFAULT_SEVERITIES;
    this.windowHours = options.windowHours ?? DEFAULT_WINDOW_HOURS;
    this.hops = options.blastRadiusHops ?? 2;
    this.production = options.productionEnvironments ?? ['production'];
    this.now = options.now ?? (() => new Date());
  }

  /** Calls `listener` after every incident written here (the portal's pages showing incidents render afresh). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  /**
   * Looks whether any replica declared or edited an incident since the last poll (the
   * history's mark moved) and, if so, tells the listeners: another replica's status,
   * milestone or role edit reaches this one's cached banner and home card. The first poll
   * only notes where the history stands. True when it moved.
   */
  async pollEdits(): Promise<boolean> {
    const mark = await this.store.editMark(this.editFloor);
    const known = this.editMark;
    const moved = known !== undefined && (mark.newest !== known.newest || mark.above !== known.above);
    if (mark.newest !== known?.newest) {
      // A new floor counts from elsewhere: note the count above it, so the next poll compares like with like.
      this.editFloor = Math.max(0, mark.newest - LATE_EDITS);
      this.editMark = await this.store.editMark(this.editFloor);
    } else this.editMark = mark;
    if (moved) this.changed();
    return moved;
  }

  /**
   * Declares an incident on `input.service` (and `input.services`). With `idempotencyKey`,
   * a retry by the same principal answers the first incident (`replayed`) and notifies no
   * one again. `source` and `externalId` say where it came from (a PagerDuty incident).
   */
  async declare(
    input: DeclareInput,
    by: Actor,
    options: { idempotencyKey?: string; source?: IncidentSource; externalId?: string } = {},
  ): Promise<{ incident: Incident; replayed: boolean }> {
    const problems = declareProblems(input, this.severities);
    const now = this.now();
    const createdAt = now.toISOString();
    const startedAt =
      input.startedAt === undefined ? createdAt : (normaliseMilestones({ started: input.startedAt }).started as string);
    problems.push(...milestoneProblems({ started: startedAt }, now));
    if (problems.length > 0) throw invalid(problems, 'Nothing was declared; fix the fields named and send it again.');
    const owners = await this.resolveServices([input.service, ...(input.services ?? [])], 'service');
    const services = owners.map((o) => o.ref);
    // Detected when declared; a start given a little ahead of the server's clock is not after its detection.
    const milestones = { started: startedAt, detected: startedAt.localeCompare(createdAt) > 0 ? startedAt : createdAt };
    const roles = Object.fromEntries(
      ROLES.flatMap((role) => (input[role] === undefined ? [] : [[role, (input[role] as string).trim()]])),
    );
    const draft: Omit<Incident, 'id'> = {
      title: input.title.trim(),
      severity: input.severity,
      status: 'detected',
      services,
      milestones,
      roles,
      customerImpact: input.customerImpact ?? '',
      linkedDeployment: null,
      windowHours: input.windowHours ?? this.windowHours,
      source: options.source ?? 'manual',
      externalId: options.externalId ?? null,
      declaredBy: by,
      createdAt,
      updatedAt: createdAt,
    };
    draft.linkedDeployment = await this.suggestDeployment(draft);
    const idempotency = idempotencyOf(by, DECLARE_ROUTE, options.idempotencyKey, input);
    const outcome = await this.store.declare(
      draft,
      owners.map(({ key, owner }) => ({ key, owner })),
      (incident) => ({ status: 201, body: JSON.stringify({ id: incident.id }) }),
      idempotency,
      (trx, incident) => this.notify(trx, incident, 'trigger', `Incident declared: ${incidentLine(incident)}`, by),
    );
    if (outcome.kind === 'conflict') throw keyReused(options.idempotencyKey ?? '');
    if (outcome.kind === 'replayed') {
      const { id } = JSON.parse(outcome.answer.body) as { id: number };
      const incident = await this.store.get(id);
      if (!incident) throw incidentNotFound(id);
      return { incident, replayed: true };
    }
    this.changed();
    await this.onServiceTimeline(
      outcome.incident,
      'declared',
      `Incident declared: ${incidentLine(outcome.incident)}`,
      startedAt,
      by,
    );
    return { incident: outcome.incident, replayed: false };
  }

  /**
   * Edits an incident: every changed field is on its history; an escalated severity and a
   * resolution notify the owning teams (in the same transaction) and go on the declared
   * service's timeline.
   */
  async update(id: number, patch: IncidentPatch, by: Actor): Promise<Incident> {
    const problems = patchProblems(patch, this.severities, by);
    if (problems.length > 0) throw invalid(problems, 'Nothing was changed; fix the fields named and send it again.');
    const owners = patch.services === undefined ? undefined : await this.resolveServices(patch.services, 'services');
    const at = this.now().toISOString();
    const result = await this.store.update(
      id,
      async (current) => {
        let next = applyPatch(current, patch, at);
        if (owners) next = { ...next, services: owners.map((o) => o.ref) };
        const timeProblems = milestoneProblems(next.milestones, this.now());
        if (timeProblems.length > 0)
          throw invalid(
            timeProblems,
            'Nothing was changed: milestone times are ISO-8601, not in the future, and none is before the start.',
          );
        if (patch.linkedDeployment !== undefined)
          next = {
            ...next,
            linkedDeployment:
              patch.linkedDeployment === null ? null : await this.linkable(next, patch.linkedDeployment),
          };
        const edits = editsBetween(current, next).map((e) => ({ ...e, at, by }));
        return { next, edits, owners: owners?.map(({ key, owner }) => ({ key, owner })) };
      },
      async (trx, before, after) => {
        if (isOpen(before.status) && !isOpen(after.status))
          await this.notify(trx, after, 'resolve', `Incident resolved: ${incidentLine(after)}`, by);
        else if (isEscalation(this.severities, before.severity, after.severity))
          await this.notify(
            trx,
            after,
            'trigger',
            `Incident escalated from ${before.severity}: ${incidentLine(after)}`,
            by,
          );
      },
    );
    if (!result) throw incidentNotFound(id);
    const { before, after } = result;
    this.changed();
    if (isOpen(before.status) && !isOpen(after.status))
      await this.onServiceTimeline(
        after,
        'resolved',
        `Incident resolved: ${incidentLine(after)}`,
        after.milestones.resolved ?? at,
        by,
      );
    else if (isEscalation(this.severities, before.severity, after.severity))
      await this.onServiceTimeline(
        after,
        `escalated-${after.severity}-${at}`,
        `Incident escalated from ${before.severity}: ${incidentLine(after)}`,
        at,
        by,
      );
    return after;
  }

  /**
   * What a PagerDuty webhook event does: `triggered` declares an incident on the catalog
   * entity annotated with its service id (once per PagerDuty incident, however often it is
   * delivered), `acknowledged` marks it acknowledged at the event's time, `resolved`
   * resolves it. An event about an incident Atrium never declared, or a service no entity
   * names, is ignored with the reason.
   */
  async fromPagerDuty(
    event: Exclude<PagerDutyEvent, { kind: 'ignored' }>,
  ): Promise<{ outcome: 'declared' | 'updated' | 'unchanged' | 'ignored'; detail: string; incident?: number }> {
    const by = event.agent ? `${event.agent} (PagerDuty)` : 'PagerDuty';
    const existing = await this.store.byExternal('pagerduty', event.incidentId);
    if (event.kind === 'triggered') {
      if (existing)
        return { outcome: 'unchanged', detail: `Already declared as incident #${existing.id}.`, incident: existing.id };
      const services = (await this.catalog.entitiesMentioning([event.serviceId]))
        .filter((e) => e.entity.metadata.annotations?.[PAGERDUTY_SERVICE_ANNOTATION] === event.serviceId)
        .map((e) => e.ref);
      if (services.length === 0)
        return {
          outcome: 'ignored',
          detail: `No catalog entity is annotated ${PAGERDUTY_SERVICE_ANNOTATION}: ${event.serviceId}.`,
        };
      try {
        const { incident } = await this.declare(
          {
            service: services[0] as string,
            services: services.slice(1),
            severity: event.severity,
            title: event.title,
            startedAt: event.createdAt,
          },
          by,
          { source: 'pagerduty', externalId: event.incidentId },
        );
        return { outcome: 'declared', detail: `Declared as incident #${incident.id}.`, incident: incident.id };
      } catch (err) {
        // Two deliveries of one trigger racing: the loser meets the unique external id.
        const winner = isKeyTaken(err) ? await this.store.byExternal('pagerduty', event.incidentId) : undefined;
        if (winner)
          return { outcome: 'unchanged', detail: `Already declared as incident #${winner.id}.`, incident: winner.id };
        throw err;
      }
    }
    if (!existing)
      return { outcome: 'ignored', detail: `PagerDuty incident ${event.incidentId} was never declared here.` };
    const patch: IncidentPatch = {};
    if (event.kind === 'acknowledged') {
      if (existing.milestones.acknowledged === undefined) patch.milestones = { acknowledged: event.at };
      if (milestoneIndex(existing.status) < milestoneIndex('acknowledged')) patch.status = 'acknowledged';
    } else if (isOpen(existing.status)) {
      patch.status = 'resolved';
      if (existing.milestones.resolved === undefined) patch.milestones = { resolved: event.at };
    }
    if (Object.keys(patch).length === 0)
      return {
        outcome: 'unchanged',
        detail: `Incident #${existing.id} is ${existing.status} already.`,
        incident: existing.id,
      };
    await this.update(existing.id, patch, by);
    return { outcome: 'updated', detail: `Incident #${existing.id} ${event.kind}.`, incident: existing.id };
  }

  /**
   * DORA's input (dora/service.ts's LinkedIncidentSource): the incidents linked to a
   * deployment of one of the services, with when each was resolved.
   */
  async linkedIncidents(serviceKeys: readonly string[]): Promise<DoraIncident[]> {
    return (await this.store.linkedToDeployments(serviceKeys)).map((i) => ({
      service: i.serviceKey,
      deployedAt: Date.parse(i.deployedAt),
      resolvedAt: i.resolvedAt === null ? null : Date.parse(i.resolvedAt),
    }));
  }

  /**
   * Page-severity SLO alerts that started firing, among changes just written here (the
   * SLO cycle runs on one replica, so each is seen once): each declares an incident on its
   * service when the service's team opted in (`incidents.autoDeclare.teams`) and no
   * incident is open on it already. Returns the incidents declared.
   */
  async declareFromAlerts(written: readonly NewChangeEvent[]): Promise<Incident[]> {
    const teams = new Set(this.options.autoDeclareTeams ?? []);
    const firing = written.filter(
      (e) => e.kind === 'alert' && e.recordedBy === SLO_ALERT_RECORDER.name && e.summary.startsWith(PAGE_FIRING),
    );
    if (teams.size === 0 || firing.length === 0) return [];
    const owners = await this.catalog.summariesOf([...new Set(firing.map((e) => e.serviceKey))]);
    const declared: Incident[] = [];
    for (const alert of firing) {
      const owner = owners.get(alert.serviceKey)?.owner;
      if (!owner || !teams.has(owner) || (await this.openFor(alert.serviceKey, 1)).length > 0) continue;
      const title = alert.summary.slice(PAGE_FIRING.length).trim();
      const { incident } = await this.declare(
        {
          service: alert.service,
          severity: (this.severities[Math.min(1, this.severities.length - 1)] as SeverityLevel).name,
          title: title.length > TITLE_MAX ? `${title.slice(0, TITLE_MAX - 1)}…` : title,
          startedAt: alert.at,
        },
        SLO_ALERT_RECORDER.name,
        { source: 'slo-alert' },
      );
      declared.push(incident);
    }
    return declared;
  }

  /** Resolves an incident (now, or at the time given). */
  resolve(id: number, by: Actor, at?: string): Promise<Incident> {
    return this.update(id, { status: 'resolved', ...(at ? { milestones: { resolved: at } } : {}) }, by);
  }

  /** Adds a responder's note (Markdown, shown escaped). */
  async addNote(id: number, body: string, by: Actor): Promise<IncidentNote> {
    const problems: FieldProblem[] = [];
    const text = textProblem(body, NOTE_MAX, true);
    if (text) problems.push({ field: 'body', message: text });
    const who = lineProblem(by, PERSON_MAX);
    if (who) problems.push({ field: 'by', message: who });
    if (problems.length > 0)
      throw invalid(problems, 'Nothing was added; a note is 1 to 20,000 characters of Markdown.');
    const note = await this.store.addNote(id, this.now().toISOString(), by.trim(), body);
    if (!note) throw incidentNotFound(id);
    this.changed();
    return note;
  }

  get(id: number): Promise<Incident | undefined> {
    return this.store.get(id);
  }

  list(filter: IncidentFilter, limit = 100): Promise<Incident[]> {
    return this.store.list(filter, limit);
  }

  /** The open incidents an entity is affected by (the service page's banner). */
  openFor(serviceKey: string, limit = 5): Promise<Incident[]> {
    return this.store.list({ service: serviceKey, open: true }, limit);
  }

  /**
   * Everything the incident page shows; with `page`, of the timeline only the newest
   * `limit` entries before position `before` (timeline.ts's timelinePagePlan). Suspects are
   * ranked from the whole window either way.
   */
  async view(id: number, page?: { limit: number; before?: number }): Promise<IncidentView | undefined> {
    const incident = await this.store.get(id);
    if (!incident) return undefined;
    const [history, notes, suspects, suggestedDeployment] = await Promise.all([
      this.store.history(id),
      this.store.notes(id),
      this.suspectsOf(incident),
      this.suggestDeployment(incident),
    ]);
    const shown = await this.timeline(incident, history, notes, page);
    return {
      incident,
      history,
      notes,
      timeline: shown.entries,
      timelineTotal: shown.total,
      timelineOlder: shown.older,
      suspects,
      window: timelineWindow(incident, this.now()),
      mttaSeconds: mttaSeconds(incident),
      mttrSeconds: mttrSeconds(incident),
      suggestedDeployment,
    };
  }

  /**
   * A page of the incident's timeline (all of it without `page`): the window's change
   * events of its scope (the newest TIMELINE_LIMIT, without the incident's own), counted
   * in the database, and of them only those the page shows read (timeline.ts's
   * timelinePagePlan), merged with the milestones, `history` and `notes`.
   */
  async timeline(
    incident: Pick<Incident, 'id' | 'services' | 'milestones' | 'windowHours'>,
    history: readonly IncidentEdit[],
    notes: readonly IncidentNote[],
    page?: { limit: number; before?: number },
  ): Promise<TimelinePage> {
    const origins = await this.scopeOf(incident.services);
    const keys = [...origins.keys()];
    const window = timelineWindow(incident, this.now());
    const span = { since: window.from, until: window.to };
    const without = { kind: 'incident' as const, urlEndsWith: OWN_CHANGE_MARK(incident.id) };
    const newestPage = Math.min(TIMELINE_LIMIT, Math.max(1, page?.limit ?? TIMELINE_LIMIT));
    // The newest page's changes are the newest ones whatever the count: read beside it, not after it.
    const [count, newest] = await Promise.all([
      this.changes.store.countLines(keys, span, without),
      page?.before === undefined ? this.changes.store.lines(keys, span, newestPage, { without }) : undefined,
    ]);
    const changes = Math.min(TIMELINE_LIMIT, count);
    const others = incidentTimeline(incident, [], history, notes).length;
    const plan = timelinePagePlan(changes, others, page?.limit ?? changes + others, page?.before);
    const lines = newest
      ? newest.slice(plan.offset, plan.offset + plan.count)
      : plan.count === 0
        ? []
        : await this.changes.store.lines(keys, span, plan.count, { offset: plan.offset, without });
    return timelinePageOf(incident, plan, feedLines(lines, origins), history, notes);
  }

  /**
   * The incident's suspected changes, ranked from its whole window: of the scope's changes
   * in the window before the start, only the candidates read (the newest of each group,
   * suspects.ts says why that is exact).
   */
  async suspectsOf(
    incident: Pick<Incident, 'services' | 'milestones' | 'windowHours' | 'createdAt'>,
  ): Promise<Suspect[]> {
    const origins = await this.scopeOf(incident.services);
    const startedAt = incident.milestones.started ?? incident.createdAt;
    const start = Date.parse(startedAt);
    const span = {
      since: new Date(start - incident.windowHours * 3_600_000).toISOString(),
      until: new Date(start + 1).toISOString(),
    };
    const candidates = await Promise.all(
      candidateGroups(origins).map((keys) =>
        this.changes.store.newestOfEach(keys, span, SUSPECTS_SHOWN, NOT_SUSPECT_KINDS),
      ),
    );
    return rankSuspects(feedLines(candidates.flat(), origins), {
      startedAt,
      windowHours: incident.windowHours,
      productionEnvironments: this.production,
      limit: SUSPECTS_SHOWN,
    });
  }

  /**
   * The blast-radius scope of a set of affected services, kept until the catalog changes
   * (`forgetScopes`): it is the catalog's alone, and walking it for 50 services is most of
   * an incident page's time.
   */
  private async scopeOf(services: readonly string[]): Promise<Map<string, FeedOrigin>> {
    const keys = [...new Set(services.map((ref) => ref.toLowerCase()))].sort();
    const id = keys.join('\n');
    const known = this.scopes.get(id);
    if (known) return known;
    const origins = await incidentScope(this.catalog, keys);
    if (this.scopes.size >= SCOPES_KEPT) this.scopes.clear();
    this.scopes.set(id, origins);
    return origins;
  }

  /** The catalog changed: scopes are walked again. */
  forgetScopes(): void {
    this.scopes.clear();
  }

  /**
   * What the declare form suggests as affected besides the service: what depends on it,
   * up to the configured hops (the blast radius upwards), components and resources only.
   */
  async blastRadius(serviceRef: string): Promise<string[]> {
    const found = await neighbourhood(serviceRef, this.hops, (refs) =>
      this.catalog.relationsTouching(refs.map((r) => r.toLowerCase())),
    );
    return found.nodes.filter((n) => n.depth < 0 && /^(component|resource):/i.test(n.ref)).map((n) => n.ref);
  }

  /**
   * DevLake's rule: the last successful production deployment of an affected service that
   * finished before the start.
   */
  async suggestDeployment(incident: Pick<Incident, 'services' | 'milestones'>): Promise<LinkedDeployment | null> {
    const started = incident.milestones.started;
    if (started === undefined) return null;
    // One query for every affected service: newest first, so the first success is the one.
    const latest = (
      await this.changes.store.timeline(
        incident.services.map((ref) => ref.toLowerCase()),
        { types: ['deployment'], environments: [...this.production], until: started },
        LINK_CANDIDATES,
      )
    ).find((e) => e.status === 'succeeded');
    return latest ? { id: latest.id, service: latest.service.toLowerCase(), at: latest.at } : null;
  }

  /** A deployment an incident may be linked to: one of an affected service's, to production, before the start. */
  private async linkable(incident: Incident, changeId: number): Promise<LinkedDeployment> {
    const started = incident.milestones.started as string;
    for (const ref of incident.services) {
      const key = ref.toLowerCase();
      const found = (
        await this.changes.store.timeline(
          [key],
          { types: ['deployment'], environments: [...this.production], until: started },
          LINK_CANDIDATES,
        )
      ).find((e) => e.id === changeId);
      if (found) return { id: found.id, service: key, at: found.at };
    }
    throw invalid(
      [
        {
          field: 'linkedDeployment',
          message: `change #${changeId} is not a production deployment of an affected service before the start`,
        },
      ],
      'Link one of the affected services’ production deployments that finished before the incident started; nothing was changed.',
    );
  }

  /** Each reference as a catalog entity with its owner, or 422 naming every unknown one. */
  private async resolveServices(refs: readonly string[], field: string): Promise<(ServiceOwner & { ref: string })[]> {
    const problems: FieldProblem[] = [];
    const keys = refs.map((ref, i) => {
      try {
        return refKey(parseEntityRef(ref.trim(), { defaultKind: 'Component', defaultNamespace: 'default' }));
      } catch (err) {
        if (!(err instanceof EntityRefError)) throw err;
        problems.push({
          field: refs.length > 1 && field === 'services' ? `services.${i}` : field,
          message: err.message,
        });
        return undefined;
      }
    });
    const unique = [...new Set(keys.filter((k): k is string => k !== undefined))];
    const found = await this.catalog.summariesOf(unique);
    for (const key of unique) if (!found.has(key)) problems.push({ field, message: `no entity ${key} in the catalog` });
    if (problems.length > 0)
      throw invalid(
        problems,
        'Name services in the catalog (component:default/checkout, or just checkout); nothing was written.',
      );
    return unique.map((key) => {
      const summary = found.get(key);
      return { key, ref: summary?.ref ?? key, owner: summary?.owner ?? null };
    });
  }

  /**
   * Queues a message to each owning team of the affected services, in the incident's
   * transaction: one per team, however many of its services are affected. A team without
   * receivers gets nothing (the outbox has no one to send to).
   */
  private async notify(
    trx: Transaction<Schema>,
    incident: Incident,
    action: NotificationMessage['action'],
    summary: string,
    by: Actor,
  ): Promise<void> {
    if (!this.notifications) return;
    const owners = await this.catalog.summariesOf(incident.services.map((r) => r.toLowerCase()));
    const teams = new Map<string, string>();
    for (const [key, summaryOf] of owners)
      if (summaryOf.owner && !teams.has(summaryOf.owner)) teams.set(summaryOf.owner, key);
    const url = this.options.publicUrl?.(incidentPath(incident.id));
    const primary = incident.services[0] ?? '';
    for (const [team, service] of teams) {
      const message: NotificationMessage = {
        action,
        summary: boundedSummary(summary),
        severity: notificationSeverity(this.severities, incident.severity),
        source: primary,
        component: primary,
        class: 'incident',
        owner: team,
        details: {
          incident: String(incident.id),
          title: incident.title,
          severity: incident.severity,
          status: incident.status,
          services: incident.services.join(', '),
          by,
        },
        links: url ? [{ href: url, text: `Incident #${incident.id} in Atrium` }] : [],
      };
      await this.notifications.notify(
        { to: team, subject: service, message, dedupKey: `atrium-incident-${incident.id}`, createdBy: by },
        trx,
      );
    }
  }

  /**
   * Puts a moment of the incident on its declared service's timeline as an `incident`
   * change, after the incident committed; the key makes a repeat of the same moment (a
   * retried request) record nothing twice. A failure here loses only that entry, never
   * the incident, and is logged.
   */
  private async onServiceTimeline(
    incident: Incident,
    moment: string,
    summary: string,
    at: string,
    by: Actor,
  ): Promise<void> {
    const service = incident.services[0];
    if (service === undefined) return;
    try {
      await this.changes.recordChange(
        'incidents',
        { service, kind: 'incident', summary: boundedSummary(summary), at, url: `/${OWN_CHANGE_MARK(incident.id)}` },
        { name: by, scopes: [] },
        `incident-${incident.id}-${moment}`,
      );
    } catch (err) {
      this.options.logger?.warn(
        { component: 'incidents', err },
        `incident #${incident.id}: its ${moment} change was not recorded on ${service}'s timeline`,
      );
    }
  }
}

/** Lines of the scope with why each is there; open reads, so a change's token name is never shown (changes/model.ts's rule). */
function feedLines(lines: readonly ChangeLine[], origins: ReadonlyMap<string, FeedOrigin>): FeedLine[] {
  return lines.map((line) => ({
    ...withoutTokenName(line),
    origin: origins.get(line.service.toLowerCase()) ?? { relation: 'self', ref: line.service, depth: 0 },
  }));
}

/** An edit's problems, with who made it. */
function patchProblems(patch: IncidentPatch, severities: readonly SeverityLevel[], by: Actor): FieldProblem[] {
  const problems = modelPatchProblems(patch, severities);
  const who = lineProblem(by, PERSON_MAX);
  if (who) problems.push({ field: 'by', message: who });
  return problems;
}

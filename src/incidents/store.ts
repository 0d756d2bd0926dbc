import type { Selectable, Transaction } from 'kysely';
import type { Database } from '../platform/db/connect.ts';
import {
  type IdempotencyKey,
  isKeyTaken,
  priorAnswer,
  recordAnswer,
  type StoredAnswer,
} from '../platform/db/idempotency.ts';
import type { IncidentsTable, Schema } from '../platform/db/schema.ts';
import { chunks } from '../platform/db/chunks.ts';
import type { Incident, IncidentEdit, IncidentNote, IncidentSource, Milestone, Role } from './model.ts';
import { isOpen } from './model.ts';

/** Work another capability's store does in the incident's transaction (its notifications). */
export type IncidentAlongside = (trx: Transaction<Schema>, incident: Incident) => Promise<void>;

/** An incident before it has an id. */
export type NewIncident = Omit<Incident, 'id'>;

/** An affected service's key with its owning team's key (for the team filter). */
export interface ServiceOwner {
  key: string;
  owner: string | null;
}

export interface IncidentFilter {
  /** A team's key: incidents with an affected service it owned. */
  team?: string;
  /** A service's key. */
  service?: string;
  severity?: string;
  status?: Milestone;
  /** Only open (true) or only resolved and later (false). */
  open?: boolean;
  /** Started at or after / before (ISO). */
  since?: string;
  until?: string;
}

export type DeclareOutcome =
  | { kind: 'written'; incident: Incident; answer: StoredAnswer }
  | { kind: 'replayed'; answer: StoredAnswer }
  | { kind: 'conflict' };

/** For a DORA reader: an incident linked to a deployment. */
export interface LinkedIncident {
  incidentId: number;
  serviceKey: string;
  deployedAt: string;
  startedAt: string;
  resolvedAt: string | null;
}

const KEY_CHUNK = 500;

function toIncident(row: Selectable<IncidentsTable>): Incident {
  return {
    id: Number(row.id),
    title: row.title,
    severity: row.severity,
    status: row.status as Milestone,
    services: JSON.parse(row.services) as string[],
    milestones: JSON.parse(row.milestones) as Partial<Record<Milestone, string>>,
    roles: JSON.parse(row.roles) as Partial<Record<Role, string>>,
    customerImpact: row.customer_impact,
    linkedDeployment:
      row.linked_deployment === null || row.linked_service_key === null || row.linked_at === null
        ? null
        : { id: Number(row.linked_deployment), service: row.linked_service_key, at: row.linked_at },
    windowHours: Number(row.window_hours),
    source: row.source as IncidentSource,
    externalId: row.external_id,
    declaredBy: row.declared_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function rowOf(incident: NewIncident) {
  return {
    title: incident.title,
    severity: incident.severity,
    status: incident.status,
    open: isOpen(incident.status) ? 1 : 0,
    services: JSON.stringify(incident.services),
    milestones: JSON.stringify(incident.milestones),
    roles: JSON.stringify(incident.roles),
    customer_impact: incident.customerImpact,
    linked_deployment: incident.linkedDeployment?.id ?? null,
    linked_service_key: incident.linkedDeployment?.service ?? null,
    linked_at: incident.linkedDeployment?.at ?? null,
    window_hours: incident.windowHours,
    source: incident.source,
    external_id: incident.externalId,
    started_at: incident.milestones.started ?? incident.createdAt,
    resolved_at: incident.milestones.resolved ?? null,
    declared_by: incident.declaredBy,
    created_at: incident.createdAt,
    updated_at: incident.updatedAt,
  };
}

/** The only SQL of incidents: incidents, their affected services, history and notes; idempotent declarations. */
export class IncidentStore {
  constructor(private readonly database: Database) {}

  /**
   * Writes a new incident with its services, its first history entry (`declared`) and
   * whatever `alongside` adds (its notifications), all in one transaction, with the
   * idempotency key's answer last. A retried key replays the first answer; the same key
   * with another request is a conflict.
   */
  async declare(
    incident: NewIncident,
    owners: readonly ServiceOwner[],
    respond: (incident: Incident) => StoredAnswer,
    idempotency?: IdempotencyKey,
    alongside?: IncidentAlongside,
  ): Promise<DeclareOutcome> {
    try {
      return await this.database.db.transaction().execute(async (trx) => {
        const { id } = await trx
          .insertInto('incidents')
          .values(rowOf(incident))
          .returning('id')
          .executeTakeFirstOrThrow();
        const saved: Incident = { ...incident, id: Number(id) };
        await this.writeServices(trx, saved.id, owners);
        await trx
          .insertInto('incident_history')
          .values({
            incident_id: saved.id,
            at: incident.createdAt,
            by: incident.declaredBy,
            field: 'declared',
            before: null,
            after: JSON.stringify(incident.severity),
          })
          .execute();
        await alongside?.(trx, saved);
        const answer = respond(saved);
        if (idempotency) await recordAnswer(trx, idempotency, answer, incident.createdAt);
        return { kind: 'written' as const, incident: saved, answer };
      });
    } catch (err) {
      if (idempotency && isKeyTaken(err)) {
        const prior = await priorAnswer(this.database.db, idempotency);
        if (prior) return prior.kind === 'conflict' ? prior : { kind: 'replayed', answer: prior.answer };
      }
      throw err;
    }
  }

  private async writeServices(trx: Transaction<Schema>, id: number, owners: readonly ServiceOwner[]): Promise<void> {
    await trx.deleteFrom('incident_services').where('incident_id', '=', id).execute();
    const unique = [...new Map(owners.map((o) => [o.key, o])).values()];
    for (const batch of chunks(unique, KEY_CHUNK))
      await trx
        .insertInto('incident_services')
        .values(batch.map((o) => ({ incident_id: id, service_key: o.key, owner_key: o.owner })))
        .execute();
  }

  /**
   * Changes an incident in one transaction: `change` gets the current row (locked on
   * PostgreSQL, so two edits never both read the old one) and answers the new incident,
   * the edits to record and, when the services changed, their owners; undefined changes
   * nothing. `alongside` (notifications) commits with it.
   */
  async update(
    id: number,
    change: (
      current: Incident,
    ) => Promise<
      { next: Incident; edits: Omit<IncidentEdit, 'id' | 'incidentId'>[]; owners?: ServiceOwner[] } | undefined
    >,
    alongside?: (trx: Transaction<Schema>, before: Incident, after: Incident) => Promise<void>,
  ): Promise<{ before: Incident; after: Incident } | undefined> {
    return this.database.db.transaction().execute(async (trx) => {
      let query = trx.selectFrom('incidents').selectAll().where('id', '=', id);
      if (this.database.dialect === 'postgres') query = query.forUpdate();
      const row = await query.executeTakeFirst();
      if (!row) return undefined;
      const before = toIncident(row);
      const changed = await change(before);
      if (!changed) return { before, after: before };
      const { next, edits, owners } = changed;
      if (edits.length === 0) return { before, after: before };
      const { created_at: _created, declared_by: _by, ...values } = rowOf(next);
      await trx.updateTable('incidents').set(values).where('id', '=', id).execute();
      if (owners) await this.writeServices(trx, id, owners);
      await trx
        .insertInto('incident_history')
        .values(
          edits.map((e) => ({ incident_id: id, at: e.at, by: e.by, field: e.field, before: e.before, after: e.after })),
        )
        .execute();
      await alongside?.(trx, before, next);
      return { before, after: next };
    });
  }

  async get(id: number): Promise<Incident | undefined> {
    const row = await this.database.read.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toIncident(row);
  }

  /** The incident a PagerDuty (or other) incident id was declared as. */
  async byExternal(source: IncidentSource, externalId: string): Promise<Incident | undefined> {
    const row = await this.database.read
      .selectFrom('incidents')
      .selectAll()
      .where('source', '=', source)
      .where('external_id', '=', externalId)
      .executeTakeFirst();
    return row && toIncident(row);
  }

  /** Incidents, open first, then the latest started first, filtered, at most `limit`. */
  async list(filter: IncidentFilter, limit: number): Promise<Incident[]> {
    let query = this.database.read.selectFrom('incidents').selectAll();
    if (filter.team !== undefined) {
      const team = filter.team;
      query = query.where('id', 'in', (eb) =>
        eb.selectFrom('incident_services').select('incident_id').where('owner_key', '=', team),
      );
    }
    if (filter.service !== undefined) {
      const service = filter.service;
      query = query.where('id', 'in', (eb) =>
        eb.selectFrom('incident_services').select('incident_id').where('service_key', '=', service),
      );
    }
    if (filter.severity !== undefined) query = query.where('severity', '=', filter.severity);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.open !== undefined) query = query.where('open', '=', filter.open ? 1 : 0);
    if (filter.since !== undefined) query = query.where('started_at', '>=', filter.since);
    if (filter.until !== undefined) query = query.where('started_at', '<', filter.until);
    const rows = await query
      .orderBy('open', 'desc')
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toIncident);
  }

  /**
   * Where every incident's history stands: its newest edit's id and how many edits there
   * are above `floor`. Every declaration and edit adds history rows, so a replica comparing
   * this between polls sees another's writes; the count catches a row that commits after a
   * newer one (PostgreSQL hands ids out before commit), the floor keeps the count short.
   */
  async editMark(floor: number): Promise<{ newest: number; above: number }> {
    const row = await this.database.read
      .selectFrom('incident_history')
      .select((eb) => [eb.fn.max('id').as('newest'), eb.fn.countAll<number>().as('above')])
      .where('id', '>', floor)
      .executeTakeFirst();
    return { newest: Number(row?.newest ?? floor), above: Number(row?.above ?? 0) };
  }

  async history(id: number): Promise<IncidentEdit[]> {
    const rows = await this.database.read
      .selectFrom('incident_history')
      .selectAll()
      .where('incident_id', '=', id)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      incidentId: Number(r.incident_id),
      at: r.at,
      by: r.by,
      field: r.field,
      before: r.before,
      after: r.after,
    }));
  }

  async addNote(id: number, at: string, by: string, body: string): Promise<IncidentNote | undefined> {
    return this.database.db.transaction().execute(async (trx) => {
      const exists = await trx.selectFrom('incidents').select('id').where('id', '=', id).executeTakeFirst();
      if (!exists) return undefined;
      const row = await trx
        .insertInto('incident_notes')
        .values({ incident_id: id, at, by, body })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { id: Number(row.id), incidentId: id, at, by, body };
    });
  }

  async notes(id: number): Promise<IncidentNote[]> {
    const rows = await this.database.read
      .selectFrom('incident_notes')
      .selectAll()
      .where('incident_id', '=', id)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ id: Number(r.id), incidentId: Number(r.incident_id), at: r.at, by: r.by, body: r.body }));
  }

  /** Incidents linked to a deployment of one of the services (every service without keys): DORA's input. */
  async linkedToDeployments(serviceKeys?: readonly string[]): Promise<LinkedIncident[]> {
    const out: LinkedIncident[] = [];
    for (const batch of serviceKeys === undefined ? [undefined] : chunks([...new Set(serviceKeys)], KEY_CHUNK)) {
      let query = this.database.read
        .selectFrom('incidents')
        .select(['id', 'linked_service_key', 'linked_at', 'started_at', 'resolved_at'])
        .where('linked_deployment', 'is not', null);
      if (batch !== undefined) query = query.where('linked_service_key', 'in', batch);
      for (const r of await query.execute())
        if (r.linked_service_key !== null && r.linked_at !== null)
          out.push({
            incidentId: Number(r.id),
            serviceKey: r.linked_service_key,
            deployedAt: r.linked_at,
            startedAt: r.started_at,
            resolvedAt: r.resolved_at,
          });
    }
    return out;
  }
}

import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/connect.ts';
import type { Schema } from '../platform/db/schema.ts';
import type { PlanState } from './release-plan.ts';

export interface EvaluationCount {
  flag: string;
  environment: string;
  appName: string;
  /** The hour the counts fall in, ISO. */
  hour: string;
  yes: number;
  no: number;
}

export interface FlagState {
  flagKey: string;
  environment: string;
  enabled: boolean;
  updatedAt: string;
  updatedBy: string;
  /** Where the release plan stands here, when it has started. */
  plan?: PlanState;
  /** A rollout percentage set at run time, over the strategies' own. */
  rollout?: number | null;
}

/** The only SQL of feature flags: switches set at run time, and the yes/no counts SDKs report. */
export class FlagStore {
  constructor(private readonly database: Database) {}

  /** Adds the counts to what is stored for the same flag, environment, app and hour (one transaction). */
  async addEvaluations(counts: readonly EvaluationCount[]): Promise<void> {
    if (counts.length === 0) return;
    await this.database.db.transaction().execute(async (trx) => {
      for (let i = 0; i < counts.length; i += 500) {
        await trx
          .insertInto('flag_evaluations')
          .values(
            counts.slice(i, i + 500).map((c) => ({
              flag: c.flag,
              environment: c.environment,
              app_name: c.appName,
              hour: c.hour,
              yes: c.yes,
              no: c.no,
            })),
          )
          .onConflict((oc) =>
            oc.columns(['flag', 'environment', 'app_name', 'hour']).doUpdateSet((eb) => ({
              yes: eb('flag_evaluations.yes', '+', eb.ref('excluded.yes')),
              no: eb('flag_evaluations.no', '+', eb.ref('excluded.no')),
            })),
          )
          .execute();
      }
    });
  }

  /**
   * Sets a flag's switch (and, when given, its release plan's place and rollout) in an
   * environment; through `db` when it must commit with another write (its audit event).
   */
  async setState(state: FlagState, db: Kysely<Schema> = this.database.db): Promise<void> {
    const plan = {
      ...(state.plan === undefined
        ? {}
        : { milestone: state.plan.milestone, milestone_since: state.plan.since, paused: state.plan.paused ? 1 : 0 }),
      ...(state.rollout === undefined ? {} : { rollout: state.rollout }),
    };
    await db
      .insertInto('flag_states')
      .values({
        flag_key: state.flagKey,
        environment: state.environment,
        enabled: state.enabled ? 1 : 0,
        updated_at: state.updatedAt,
        updated_by: state.updatedBy,
        ...plan,
      })
      .onConflict((oc) =>
        oc.columns(['flag_key', 'environment']).doUpdateSet({
          enabled: state.enabled ? 1 : 0,
          updated_at: state.updatedAt,
          updated_by: state.updatedBy,
          ...plan,
        }),
      )
      .execute();
  }

  /** Every switch set at run time (of the given flags, when given). */
  async states(flagKeys?: readonly string[]): Promise<FlagState[]> {
    let query = this.database.read.selectFrom('flag_states').selectAll();
    if (flagKeys !== undefined) {
      if (flagKeys.length === 0) return [];
      query = query.where('flag_key', 'in', [...flagKeys]);
    }
    const rows = await query.orderBy('flag_key').orderBy('environment').execute();
    return rows.map((r) => ({
      flagKey: r.flag_key,
      environment: r.environment,
      enabled: Number(r.enabled) === 1,
      updatedAt: r.updated_at,
      updatedBy: r.updated_by,
      ...(r.milestone !== null && r.milestone_since !== null
        ? { plan: { milestone: Number(r.milestone), since: r.milestone_since, paused: Number(r.paused) === 1 } }
        : {}),
      ...(r.rollout !== null ? { rollout: Number(r.rollout) } : {}),
    }));
  }

  /** A flag's yes/no totals per environment since `since` (ISO hour). */
  async totals(flag: string, since: string): Promise<Map<string, { yes: number; no: number }>> {
    const rows = await this.database.read
      .selectFrom('flag_evaluations')
      .select((eb) => ['environment', eb.fn.sum<number>('yes').as('yes'), eb.fn.sum<number>('no').as('no')])
      .where('flag', '=', flag)
      .where('hour', '>=', since)
      .groupBy('environment')
      .execute();
    return new Map(rows.map((r) => [r.environment, { yes: Number(r.yes), no: Number(r.no) }]));
  }

  /** A flag's counts since `since` (ISO hour), newest first. */
  async evaluations(flag: string, since: string): Promise<EvaluationCount[]> {
    const rows = await this.database.read
      .selectFrom('flag_evaluations')
      .selectAll()
      .where('flag', '=', flag)
      .where('hour', '>=', since)
      .orderBy('hour', 'desc')
      .orderBy('environment')
      .orderBy('app_name')
      .execute();
    return rows.map((r) => ({
      flag: r.flag,
      environment: r.environment,
      appName: r.app_name,
      hour: r.hour,
      yes: Number(r.yes),
      no: Number(r.no),
    }));
  }
}

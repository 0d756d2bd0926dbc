import type { Database } from '../platform/db/connect.ts';

export interface EvaluationCount {
  flag: string;
  environment: string;
  appName: string;
  /** The hour the counts fall in, ISO. */
  hour: string;
  yes: number;
  no: number;
}

/** The only SQL of feature flags: the yes/no counts SDKs report. */
export class FlagStore {
  constructor(private readonly database: Database) {}

  /** Adds the counts to what is stored for the same flag, environment, app and hour (one transaction). */
  async addEvaluations(counts: readonly EvaluationCount[]): Promise<void> {
    if (counts.length === 0) return;
    await this.database.db.transaction().execute(async (trx) => {
      for (let i = 0; i < counts.length; i += 500) {
        await trx
          .insertInto('flag_evaluations')
          .values(counts.slice(i, i + 500).map((c) => ({ flag: c.flag, environment: c.environment, app_name: c.appName, hour: c.hour, yes: c.yes, no: c.no })))
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

  /** A flag's counts since `since` (ISO hour), newest first. */
  async evaluations(flag: string, since: string): Promise<EvaluationCount[]> {
    const rows = await this.database.read.selectFrom('flag_evaluations').selectAll().where('flag', '=', flag).where('hour', '>=', since).orderBy('hour', 'desc').orderBy('environment').orderBy('app_name').execute();
    return rows.map((r) => ({ flag: r.flag, environment: r.environment, appName: r.app_name, hour: r.hour, yes: Number(r.yes), no: Number(r.no) }));
  }
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Database, openDatabase } from '../src/platform/db/connect.ts';
import { evaluateSlo, MEASURED_WINDOWS } from '../src/slo/evaluation.ts';
import { EventsSource } from '../src/slo/events-source.ts';
import { DEFAULT_ALERT_PAIRS, type SloDefinition } from '../src/slo/model.ts';
import { HOUR_MS, MINUTE_MS, SloStore } from '../src/slo/store.ts';

/**
 * One SLO evaluation cycle over 10,000 pushed-events SLOs (npm run bench:slo): the window
 * sums as one batched query per cycle against the baseline of one query per SLO, then the
 * whole cycle (sums, statuses, alert rules, the cycle's write). Each SLO has 60 minute
 * buckets (the last hour) and 72 hour buckets (three days). SQLite always; PostgreSQL when
 * ATRIUM_TEST_POSTGRES_URL is set (a fresh schema, dropped afterwards).
 *
 *   SLOS=10000 npm run bench:slo
 */

const SLOS = Number(process.env.SLOS ?? 10_000);
const NOW = Date.parse('2026-03-10T12:00:00.000Z');

const definitions: SloDefinition[] = Array.from({ length: SLOS }, (_, i) => ({
  key: `slo:default/bench-${i}`,
  namespace: 'default',
  name: `bench-${i}`,
  service: `component:default/service-${i % 500}`,
  owner: `group:default/team-${i % 50}`,
  objective: '99.9',
  window: { kind: 'rolling', days: i % 3 === 0 ? 28 : 30 },
  indicator: { type: 'events' },
  alerting: { pairs: DEFAULT_ALERT_PAIRS, minEvents: 100 },
}));

async function seed(database: Database): Promise<void> {
  // Rows straight into the tables, many per statement: seeding is not what is measured.
  const rows = (count: number, step: number, start: number) =>
    definitions.flatMap((d, i) =>
      Array.from({ length: count }, (_, j) => ({
        slo_key: d.key,
        bucket_ms: start + j * step,
        good: 1000 - ((i + j) % 7 === 0 ? 30 : 0),
        total: 1000,
      })),
    );
  for (const [table, all] of [
    ['slo_minutes', rows(60, MINUTE_MS, NOW - HOUR_MS)],
    ['slo_hours', rows(72, HOUR_MS, NOW - 120 * HOUR_MS)],
  ] as const)
    await database.db.transaction().execute(async (trx) => {
      for (let i = 0; i < all.length; i += 1000)
        await trx
          .insertInto(table)
          .values(all.slice(i, i + 1000))
          .execute();
    });
}

async function run(label: string, database: Database): Promise<void> {
  const store = new SloStore(database);
  const source = new EventsSource(store);
  const at = new Date(NOW);
  let t = performance.now();
  await seed(database);
  console.log(`${label}: seeded ${SLOS} SLOs, ${SLOS * 132} buckets in ${Math.round(performance.now() - t)} ms`);

  const sample = definitions.slice(0, 1000);
  t = performance.now();
  for (const d of sample) await source.measure(d, MEASURED_WINDOWS, at);
  const perSlo = ((performance.now() - t) / sample.length) * SLOS;
  console.log(`${label}: baseline, one query per SLO: ${Math.round(perSlo)} ms for ${SLOS} (measured on 1,000)`);

  t = performance.now();
  const measured = await source.measureMany(definitions, MEASURED_WINDOWS, at);
  const batched = performance.now() - t;
  console.log(
    `${label}: batched window sums: ${Math.round(batched)} ms for ${SLOS} (${(perSlo / batched).toFixed(1)}× faster)`,
  );

  t = performance.now();
  const all = await source.measureMany(definitions, MEASURED_WINDOWS, at);
  const alerts = await store.alerts();
  const evaluations = definitions.map((d) =>
    evaluateSlo(d, all.get(d.key) ?? { state: 'no-data' }, alerts.get(d.key) ?? [], at),
  );
  const changed = evaluations.flatMap((e, i) =>
    e.transitions
      .filter((x) => x.changed)
      .map((x) => ({ sloKey: (definitions[i] as SloDefinition).key, alert: x.alert })),
  );
  await store.saveEvaluation({ statuses: evaluations.map((e) => e.status), alerts: changed, history: [] });
  const cycle = performance.now() - t;
  console.log(
    `${label}: whole cycle (sums, rules, ${changed.length} alert changes, statuses written): ${Math.round(cycle)} ms for ${SLOS} — budget 5,000 ms: ${cycle <= 5000 ? 'within' : 'OVER'}`,
  );
  if (measured.size !== SLOS) throw new Error(`measured ${measured.size} SLOs, expected ${SLOS}`);
}

const dir = mkdtempSync(join(tmpdir(), 'atrium-slo-bench-'));
try {
  const sqlite = await openDatabase(join(dir, 'bench.db'));
  await run('sqlite', sqlite).finally(() => sqlite.close());
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const postgresUrl = process.env.ATRIUM_TEST_POSTGRES_URL;
if (postgresUrl) {
  const schema = `atrium_slo_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`create schema "${schema}"`);
  try {
    const url = new URL(postgresUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const database = await openDatabase(url.toString());
    await run('postgres', database).finally(() => database.close());
  } finally {
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
  }
} else console.log('postgres: skipped (set ATRIUM_TEST_POSTGRES_URL to run it)');

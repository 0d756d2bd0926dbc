import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { chunks } from '../src/platform/db/chunks.ts';
import { type Database, openDatabase } from '../src/platform/db/connect.ts';
import { EVALUATION_SLICE } from '../src/slo/service.ts';
import { evaluateSlo, MEASURED_WINDOWS } from '../src/slo/evaluation.ts';
import { EventsSource } from '../src/slo/events-source.ts';
import { DEFAULT_ALERT_PAIRS, type EventCounts, type SloDefinition } from '../src/slo/model.ts';
import { HOUR_MS, MINUTE_MS, SloStore, type SumWindow } from '../src/slo/store.ts';
import { burnWindowMs } from '../src/slo/burn.ts';
import { windowRange } from '../src/slo/budget.ts';
import { BURN_WINDOWS } from '../src/slo/model.ts';

/**
 * One SLO evaluation cycle over 10,000 pushed-events SLOs (npm run bench:slo), each with
 * a month's history as the store keeps it: 48 hours of minute buckets and hour buckets for
 * the rest of 30 days (2,880 + 672 rows per SLO, 35.5 million at 10,000 SLOs). Measured:
 * the window sums from running totals (one query per cycle), against the baseline in the
 * same run — summing the buckets themselves (the store's query before running totals),
 * timed on a sample of SLOs and scaled — whose sums must equal the running totals'; then
 * the whole cycle (sums, statuses, alert rules, the cycle's write; sums and rules a slice of
 * SLOs per turn of the event loop, as serve runs them, with the longest slice). SQLite always;
 * PostgreSQL when ATRIUM_TEST_POSTGRES_URL is set (a fresh schema, dropped afterwards).
 * History is generated inside the database (seeding is not what is measured).
 *
 *   SLOS=10000 MINUTE_HOURS=48 DAYS=30 SAMPLE=500 [ONLY=sqlite|postgres] npm run bench:slo
 */

const SLOS = Number(process.env.SLOS ?? 10_000);
/** Hours of minute buckets before now (the store compacts at 48). */
const MINUTE_HOURS = Number(process.env.MINUTE_HOURS ?? 48);
/** Days of history (the SLOs' windows are 28 and 30 days). */
const DAYS = Number(process.env.DAYS ?? 30);
/** SLOs the baseline scan is timed on (it reads every bucket of their windows). */
/** SLOs seeded per transaction. */
const SEED_BLOCK = 1_000;
const SAMPLE = Math.min(SLOS, Number(process.env.SAMPLE ?? 500));
const NOW = Date.parse('2026-03-10T12:00:00.000Z');
const MINUTES = MINUTE_HOURS * 60;
const HOURS = DAYS * 24 - MINUTE_HOURS;
/** Where minute buckets begin: hour buckets all start before it. */
const MINUTES_FROM = NOW - MINUTES * MINUTE_MS;
const HOURS_FROM = MINUTES_FROM - HOURS * HOUR_MS;

const definitions: SloDefinition[] = Array.from({ length: SLOS }, (_, i) => ({
  key: `slo:default/bench-${String(i).padStart(5, '0')}`,
  namespace: 'default',
  name: `bench-${i}`,
  service: `component:default/service-${i % 500}`,
  owner: `group:default/team-${i % 50}`,
  objective: '99.9',
  window: { kind: 'rolling', days: i % 3 === 0 ? 28 : 30 },
  indicator: { type: 'events' },
  alerting: { pairs: DEFAULT_ALERT_PAIRS, minEvents: 100 },
}));

/**
 * The history, made by SQL in the database: SLO i's k-th bucket (hours first, then
 * minutes) serves 1,000 requests a minute, 3 % of them failing when i + k is a multiple of
 * 7. Running totals follow in closed form: the multiples of 7 in [i + a, i + b) number
 * (i + b + 6) / 7 − (i + a + 6) / 7 in integer division.
 */
async function seed(database: Database): Promise<void> {
  // SQLite: a cache that holds the indexes being filled (one of the two is always written out of order).
  if (database.dialect === 'sqlite') await sql`pragma cache_size = -1500000`.execute(database.db);
  // A transaction per block of SLOs: a bounded write-ahead log.
  for (let from = 0; from < SLOS; from += SEED_BLOCK)
    await seedBlock(database, from, Math.min(SEED_BLOCK, SLOS - from));
  await sql`analyze`.execute(database.db);
}

async function seedBlock(database: Database, from: number, count: number): Promise<void> {
  const postgres = database.dialect === 'postgres';
  const series = (name: string, first: number, length: number) =>
    postgres
      ? sql`generate_series(cast(${sql.lit(first)} as bigint), ${sql.lit(first + length - 1)}) as ${sql.ref(name)}(n)`
      : sql`(with recursive s(n) as (select ${sql.lit(first)} union all select n + 1 from s where n < ${sql.lit(first + length - 1)}) select n from s) ${sql.ref(name)}`;
  type Fragment = ReturnType<typeof sql.lit>;
  const failing = (a: Fragment, b: Fragment) => sql`((i.n + ${b} + 6) / 7 - (i.n + ${a} + 6) / 7)`;
  const key = postgres
    ? sql`'slo:default/bench-' || lpad(i.n::text, 5, '0')`
    : sql`printf('slo:default/bench-%05d', i.n)`;
  const zero = sql.lit(0);
  const hours = sql.lit(HOURS);
  const minuteK = sql`(${hours} + j.n)`;
  /** Per hour and per minute bucket: requests, and the failing ones of a failing bucket. */
  const [hourTotal, hourBad, minuteTotal, minuteBad] = [60_000, 1_800, 1_000, 30].map((n) => sql.lit(n));
  const hoursGood = sql`(${sql.lit(HOURS * 60_000)} - ${hourBad} * ${failing(zero, hours)})`;
  await database.db.transaction().execute(async (trx) => {
    await sql`insert into slo_hours (slo_key, bucket_ms, good, total, cum_good, cum_total)
      select ${key}, ${sql.lit(HOURS_FROM)} + j.n * ${sql.lit(HOUR_MS)},
        ${hourTotal} - ${hourBad} * ${failing(sql`j.n`, sql`j.n + 1`)}, ${hourTotal},
        j.n * ${hourTotal} - ${hourBad} * ${failing(zero, sql`j.n`)}, j.n * ${hourTotal}
      from ${series('i', from, count)} cross join ${series('j', 0, HOURS)}`.execute(trx);
    await sql`insert into slo_minutes (slo_key, bucket_ms, good, total, cum_good, cum_total)
      select ${key}, ${sql.lit(MINUTES_FROM)} + j.n * ${sql.lit(MINUTE_MS)},
        ${minuteTotal} - ${minuteBad} * ${failing(minuteK, sql`${minuteK} + 1`)}, ${minuteTotal},
        ${hoursGood} + j.n * ${minuteTotal} - ${minuteBad} * ${failing(hours, minuteK)}, ${sql.lit(HOURS * 60_000)} + j.n * ${minuteTotal}
      from ${series('i', from, count)} cross join ${series('j', 0, MINUTES)}`.execute(trx);
    await sql`insert into slo_event_totals (slo_key, good, total, hours_before)
      select ${key}, ${hoursGood} + ${sql.lit(MINUTES * 1_000)} - ${minuteBad} * ${failing(hours, sql.lit(HOURS + MINUTES))},
        ${sql.lit(HOURS * 60_000 + MINUTES * 1_000)}, ${sql.lit(MINUTES_FROM)}
      from ${series('i', from, count)}`.execute(trx);
  });
}

/** The baseline: each window summed from the buckets themselves, as the store did before running totals. */
async function scannedSums(
  database: Database,
  windows: readonly SumWindow[],
  end: number,
  keys: readonly string[],
): Promise<Map<string, Map<string, EventCounts>>> {
  const earliest = Math.min(...windows.map((w) => w.start));
  const columns = windows.map(
    (w, i) =>
      sql`sum(case when bucket_ms >= ${w.start} then good else 0 end) as ${sql.ref(`g${i}`)}, sum(case when bucket_ms >= ${w.start} then total else 0 end) as ${sql.ref(`t${i}`)}`,
  );
  const only = sql`slo_key in (${sql.join(keys.map((k) => sql`${k}`))})`;
  const result = await sql<Record<string, string | number>>`select slo_key, ${sql.join(columns)} from (
      select slo_key, bucket_ms, good, total from slo_minutes where bucket_ms >= ${earliest} and bucket_ms < ${end} and ${only}
      union all
      select slo_key, bucket_ms, good, total from slo_hours where bucket_ms >= ${earliest} and bucket_ms < ${end} and ${only}
    ) buckets group by slo_key`.execute(database.read);
  const out = new Map<string, Map<string, EventCounts>>();
  for (const row of result.rows) {
    const sums = new Map<string, EventCounts>();
    windows.forEach((w, i) => {
      const total = Number(row[`t${i}`] ?? 0);
      if (total > 0) sums.set(w.id, { good: Number(row[`g${i}`] ?? 0), total });
    });
    out.set(String(row.slo_key), sums);
  }
  return out;
}

const load = () => `load ${loadavg()[0]?.toFixed(1)}`;

async function run(label: string, database: Database): Promise<boolean> {
  const store = new SloStore(database);
  const source = new EventsSource(store);
  let t = performance.now();
  await seed(database);
  const rows = SLOS * (HOURS + MINUTES);
  console.log(
    `${label}: seeded ${SLOS} SLOs × (${MINUTES} minute + ${HOURS} hour buckets) = ${rows.toLocaleString('en')} rows in ${Math.round(performance.now() - t)} ms (${load()})`,
  );

  // The windows a cycle sums: the burn windows and each SLO window's start.
  const windows: SumWindow[] = BURN_WINDOWS.map((w) => ({ id: w, start: NOW - burnWindowMs(w) }));
  for (const days of [28, 30])
    windows.push({ id: `slo${days}`, start: windowRange({ kind: 'rolling', days }, NOW).start });
  const sample = definitions.slice(0, SAMPLE).map((d) => d.key);
  t = performance.now();
  const scanned = await scannedSums(database, windows, NOW + 1, sample);
  const scan = ((performance.now() - t) / SAMPLE) * SLOS;
  console.log(
    `${label}: baseline, summing the buckets: ${Math.round(scan)} ms for ${SLOS} (timed on ${SAMPLE}, scaled; ${load()})`,
  );

  t = performance.now();
  const sums = await store.windowSums(windows, NOW + 1);
  const running = performance.now() - t;
  console.log(
    `${label}: running totals, every SLO in one query: ${Math.round(running)} ms for ${SLOS} (${(scan / running).toFixed(1)}× faster; ${load()})`,
  );
  let exact = sums.size === SLOS;
  for (const key of sample) {
    const a = scanned.get(key);
    const b = sums.get(key);
    for (const w of windows)
      if (JSON.stringify(a?.get(w.id)) !== JSON.stringify(b?.get(w.id))) {
        exact = false;
        console.log(
          `${label}: MISMATCH ${key} ${w.id}: scanned ${JSON.stringify(a?.get(w.id))}, running ${JSON.stringify(b?.get(w.id))}`,
        );
      }
  }
  console.log(
    `${label}: running totals equal the scanned sums on the ${SAMPLE} sampled SLOs × ${windows.length} windows: ${exact ? 'yes' : 'NO'}`,
  );

  // Two cycles 30 s apart within one minute, no events pushed between: the first writes every
  // status and alert change, the second finds every status as stored and writes none.
  for (const [round, offset, number] of [
    ['first', 10_000, 1],
    ['second', 40_000, 2],
  ] as const) {
    const at = new Date(NOW + offset);
    t = performance.now();
    // As serve's evaluation does (SloService): a slice of SLOs per turn of the event loop, the longest slice timed.
    let longest = 0;
    const sliced = async <T>(work: (slice: SloDefinition[]) => Promise<T[]> | T[]): Promise<T[]> => {
      const out: T[] = [];
      for (const slice of chunks(definitions, EVALUATION_SLICE)) {
        await nextTurn();
        const started = performance.now();
        out.push(...(await work(slice)));
        longest = Math.max(longest, performance.now() - started);
      }
      return out;
    };
    const all = new Map(await sliced(async (slice) => [...(await source.measureMany(slice, MEASURED_WINDOWS, at))]));
    const measured = performance.now() - t;
    const alerts = await store.alerts();
    const evaluations = await sliced((slice) =>
      slice.map((d) => evaluateSlo(d, all.get(d.key) ?? { state: 'no-data' }, alerts.get(d.key) ?? [], at)),
    );
    const changed = evaluations.flatMap((e, i) =>
      e.transitions
        .filter((x) => x.changed)
        .map((x) => ({ sloKey: (definitions[i] as SloDefinition).key, alert: x.alert })),
    );
    const ruled = performance.now() - t;
    const written = await store.saveEvaluation({
      at: at.toISOString(),
      cycle: number,
      statuses: evaluations.map((e) => e.status),
      alerts: changed,
      history: [],
    });
    const cycle = performance.now() - t;
    console.log(
      `${label}: whole cycle (${round}): ${Math.round(cycle)} ms for ${SLOS} — sums ${Math.round(measured)}, rules ${Math.round(ruled - measured)}, write ${Math.round(cycle - ruled)} (${written} statuses changed, ${changed.length} alert changes), longest slice of sums or rules ${longest.toFixed(1)} ms — budget 5,000 ms: ${cycle <= 5000 ? 'within' : 'OVER'} (${load()})`,
    );
  }
  // An hour later the first hour of minute buckets is folded into an hour bucket; no window's sum at NOW may move.
  t = performance.now();
  const folded = await store.compact(NOW + HOUR_MS);
  const compaction = performance.now() - t;
  const again = await store.windowSums(windows, NOW + 1);
  const unchanged = [...sums].every(([key, byWindow]) =>
    [...byWindow].every(([id, counts]) => JSON.stringify(again.get(key)?.get(id)) === JSON.stringify(counts)),
  );
  console.log(
    `${label}: compaction of an hour's minutes: ${folded.toLocaleString('en')} minute rows into hours in ${Math.round(compaction)} ms; every SLO's sums unchanged: ${unchanged ? 'yes' : 'NO'} (${load()})`,
  );
  return exact && unchanged;
}

let exact = true;
/** `sqlite` or `postgres` runs that one alone (default both). */
const only = process.env.ONLY;
if (only !== 'postgres') {
  const dir = mkdtempSync(join(tmpdir(), 'atrium-slo-bench-'));
  try {
    const sqlite = await openDatabase(join(dir, 'bench.db'));
    exact = (await run('sqlite', sqlite).finally(() => sqlite.close())) && exact;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const postgresUrl = process.env.ATRIUM_TEST_POSTGRES_URL;
if (only === 'sqlite') console.log('postgres: not asked for (ONLY=sqlite)');
else if (postgresUrl) {
  const schema = `atrium_slo_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`create schema "${schema}"`);
  try {
    const url = new URL(postgresUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const database = await openDatabase(url.toString());
    exact = (await run('postgres', database).finally(() => database.close())) && exact;
  } finally {
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
  }
} else console.log('postgres: skipped (set ATRIUM_TEST_POSTGRES_URL to run it)');
if (!exact) process.exitCode = 1;

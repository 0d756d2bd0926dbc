/**
 * The change events benchmark (issue #4's speed targets), on `atrium serve` with SQLite,
 * over loopback HTTP, every comparison in the same run:
 *
 *  A. Batched ingestion: 90 days of history for a team of S services (default 200), about
 *     250 production deployments each (≈ 50,000 with 1–3 commits each), POSTed to
 *     /api/v1/deployments/batch 1,000 at a time (target >= 10,000 events/s sustained).
 *  B. DORA for that team over the 90 days (and over the last 30), GET /api/v1/metrics/dora:
 *     the first request after ingestion and the median of 7 (serve keeps parsed history in
 *     memory, loaded at start and appended to by writes), then, after a restart, the first
 *     request, which waits for the start-up load (target <= 200 ms).
 *  C. Single events (POST /api/v1/changes, each with its own Idempotency-Key) under the
 *     open-loop generator: after an unmeasured 4-second warm-up with one burst, first a
 *     steady 100 requests/s, then 500 requests/s with 1-second
 *     bursts to 2,000 every 10 s (target: p99 of the second within 3x the first). Afterwards
 *     the store is counted: every 201 must be there once (zero lost, zero duplicated).
 *  D. Past capacity: E deployments (default 20,000) in batches of 50 from C concurrent
 *     clients (default 600, more than the server admits), each retried as told on 429 (after
 *     Retry-After, with the same key). Target: the server answers 429 rather than queueing
 *     without bound, and the store holds every deployment exactly once.
 *
 *   node --import tsx bench/changes-bench.ts [--services 200] [--duration 20] [--flood 20000] [--keep]
 *
 * Exit status: 0 every target met, 1 some target missed, 2 the benchmark itself failed.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import { formatStats, runOpenLoop, summarize } from './load-generator.ts';
import { createRng, intBetween, type Rng } from '../src/platform/prng.ts';
import {
  cleanupOnSignals,
  httpGet,
  log,
  numberFlag,
  onCleanup,
  runAtrium,
  sec,
  sleep,
  startServe,
  verdict,
  runBenchmark,
} from './support.ts';

const DAY = 86_400_000;
const { values: flags } = parseArgs({
  options: {
    services: { type: 'string', default: '200' },
    duration: { type: 'string', default: '20' },
    flood: { type: 'string', default: '20000' },
    clients: { type: 'string', default: '600' },
    keep: { type: 'boolean' },
  },
});
const SERVICES = numberFlag('services', flags.services, 1);
const DURATION = numberFlag('duration', flags.duration, 5);
const FLOOD = numberFlag('flood', flags.flood, 100);
const CLIENTS = numberFlag('clients', flags.clients, 1);

function catalogYaml(services: number): string {
  const docs = [
    'apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: platform\nspec:\n  type: team\n  children: []\n',
  ];
  for (let i = 0; i < services; i++)
    docs.push(
      `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-${i}\nspec:\n  type: service\n  lifecycle: production\n  owner: platform\n`,
    );
  docs.push(
    'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: target\nspec:\n  type: service\n  lifecycle: production\n  owner: platform\n',
  );
  return docs.join('---\n');
}

const hex = (rng: Rng) => Array.from({ length: 40 }, () => '0123456789abcdef'[Math.floor(rng() * 16)]).join('');

/** About 250 production deployments per service over the 90 days before `end`, in batches of 1,000. */
function history(services: number, end: number): unknown[][] {
  const rng = createRng(4);
  const all: unknown[] = [];
  for (let s = 0; s < services; s++) {
    for (let t = end - 90 * DAY + rng() * DAY; t < end - 3_600_000; t += (90 * DAY) / 250) {
      const commits = Array.from({ length: intBetween(rng, 1, 3) }, () => ({
        sha: hex(rng),
        committedAt: new Date(t - rng() * 2 * DAY).toISOString(),
      }));
      all.push({
        service: `svc-${s}`,
        environment: 'production',
        version: `1.${Math.floor(t / 60_000)}`,
        status: rng() < 0.08 ? 'failed' : 'succeeded',
        startedAt: new Date(t - 600_000).toISOString(),
        finishedAt: new Date(t).toISOString(),
        commits,
      });
    }
  }
  const batches: unknown[][] = [];
  for (let i = 0; i < all.length; i += 1000) batches.push(all.slice(i, i + 1000));
  return batches;
}

async function post(
  port: number,
  path: string,
  token: string,
  body: unknown,
  key: string = randomUUID(),
): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key },
    body: JSON.stringify(body),
  });
}

function countDistinct(
  database: string,
  column: 'summary' | 'version',
  prefix: string,
): { rows: number; uniq: number } {
  const db = new SQLite(database, { readonly: true });
  try {
    return db
      .prepare(`select count(*) as rows, count(distinct ${column}) as uniq from change_events where ${column} like ?`)
      .get(`${prefix}%`) as { rows: number; uniq: number };
  } finally {
    db.close();
  }
}
const countSummaries = (database: string, prefix: string) => countDistinct(database, 'summary', prefix);
const countVersions = (database: string, prefix: string) => countDistinct(database, 'version', prefix);

async function main(): Promise<number> {
  const work = await mkdtemp(join(tmpdir(), 'atrium-changes-bench-'));
  if (!flags.keep)
    onCleanup('work directory', () =>
      import('node:fs/promises').then((fs) => fs.rm(work, { recursive: true, force: true })),
    );
  await writeFile(join(work, 'catalog-info.yaml'), catalogYaml(SERVICES));
  const database = join(work, 'atrium.db');
  const created = await runAtrium(
    [
      'token',
      'create',
      '--name',
      'bench',
      '--scopes',
      'deployments:write,changes:write',
      '--database',
      database,
      '--format',
      'json',
    ],
    work,
    'token',
  );
  if (created.code !== 0) throw new Error(`token create failed: ${created.stderr}`);
  const token = (JSON.parse(created.stdout) as { token: string }).token;
  let serve = await startServe({
    catalogDir: work,
    database,
    workDir: work,
    label: 'serve',
    extraArgs: ['--no-watch'],
  });
  log(
    `Atrium serve ready in ${sec(serve.readyMs)}; ${SERVICES} services owned by group:default/platform; SQLite at ${database}`,
  );
  const results: [string, boolean][] = [];

  // A. Batched ingestion.
  const end = Date.now();
  const batches = history(SERVICES, end);
  const total = batches.reduce((n, b) => n + b.length, 0);
  const started = performance.now();
  for (const batch of batches) {
    const res = await post(serve.port, '/api/v1/deployments/batch', token, { deployments: batch });
    if (res.status !== 201) throw new Error(`batch answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  }
  const ingestMs = performance.now() - started;
  const rate = total / (ingestMs / 1000);
  log(
    `\nA. Batched ingestion: ${total.toLocaleString('en')} deployments in ${batches.length} batches of up to 1,000 in ${sec(ingestMs)} = ${Math.round(rate).toLocaleString('en')} events/s (target >= 10,000): ${verdict(rate >= 10_000)}`,
  );
  results.push(['batched ingestion >= 10,000 events/s', rate >= 10_000]);

  // B. DORA over the history. `serve` keeps parsed history in memory (loaded at start,
  // appended to as deployments are recorded), so the first request after ingestion is
  // already warm; the cold case is the first request after a restart, which waits for the
  // start-up load of all history.
  const doraOnce = async (port: number, days: number) => {
    const t = performance.now();
    const res = await httpGet(
      port,
      `/api/v1/metrics/dora?entity=group:default/platform&from=${new Date(end - days * DAY).toISOString()}&to=${new Date(end).toISOString()}`,
      30_000,
    );
    if (res.status !== 200) throw new Error(`dora answered ${res.status}: ${res.body}`);
    return performance.now() - t;
  };
  const first = await doraOnce(serve.port, 90);
  const median = async (days: number) => {
    const times: number[] = [];
    for (let i = 0; i < 7; i++) times.push(await doraOnce(serve.port, days));
    return summarize(times).p50;
  };
  const dora90 = await median(90);
  const dora30 = await median(30);
  await serve.stop();
  serve = await startServe({
    catalogDir: work,
    database,
    workDir: work,
    label: 'serve-restarted',
    extraArgs: ['--no-watch'],
  });
  const cold = await doraOnce(serve.port, 90);
  log(
    `\nB. DORA for a team of ${SERVICES} services, ${total.toLocaleString('en')} deployments of history, over HTTP (target <= 200 ms):`,
  );
  log(
    `   first request after ingestion ${first.toFixed(0)} ms; median of 7: 90-day window ${dora90.toFixed(0)} ms, 30-day window ${dora30.toFixed(0)} ms: ${verdict(Math.max(first, dora90) <= 200)}`,
  );
  log(
    `   first request right after a restart (waits for the start-up load of all history): ${cold.toFixed(0)} ms: ${verdict(cold <= 200)}`,
  );
  results.push(
    ['DORA <= 200 ms', Math.max(first, dora90) <= 200],
    ['DORA <= 200 ms right after a restart', cold <= 200],
  );

  // C. Single events, steady then bursty.
  const single = (phase: string) => (i: number) => ({
    body: JSON.stringify({
      service: 'target',
      kind: 'config',
      summary: `${phase}-${i}`,
      at: new Date(end - 60_000).toISOString(),
    }),
    headers: { 'idempotency-key': `${phase}-${i}` },
  });
  const url = [`http://127.0.0.1:${serve.port}/api/v1/changes`];
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
  // Unmeasured warm-up, as in the portal benchmark: the first burst a fresh process meets also pays for JIT compilation and statement preparation.
  await runOpenLoop({
    urls: url,
    rate: 500,
    burstRate: 2000,
    burstOffsetSec: 1,
    durationSec: 4,
    seed: 9,
    headers,
    post: single('warmup'),
  });
  await sleep(1000);
  const steady = await runOpenLoop({
    urls: url,
    rate: 100,
    durationSec: DURATION,
    seed: 1,
    headers,
    post: single('steady'),
  });
  await sleep(1000);
  const bursty = await runOpenLoop({
    urls: url,
    rate: 500,
    burstRate: 2000,
    durationSec: DURATION,
    seed: 2,
    headers,
    post: single('bursty'),
  });
  log(
    `\nC. Single events (POST /api/v1/changes):\n${formatStats('steady 100/s', steady)}\n${formatStats('500/s, bursts to 2,000/s', bursty)}`,
  );
  const ratio = bursty.latency.p99 / steady.latency.p99;
  const counted = { steady: countSummaries(database, 'steady-'), bursty: countSummaries(database, 'bursty-') };
  const ok201 = { steady: steady.statuses['201'] ?? 0, bursty: bursty.statuses['201'] ?? 0 };
  const exact =
    counted.steady.rows === ok201.steady &&
    counted.steady.uniq === ok201.steady &&
    counted.bursty.rows === ok201.bursty &&
    counted.bursty.uniq === ok201.bursty;
  log(
    `   p99 ${bursty.latency.p99.toFixed(2)} ms vs ${steady.latency.p99.toFixed(2)} ms = ${ratio.toFixed(2)}x (target <= 3x): ${verdict(ratio <= 3)}`,
  );
  log(
    `   stored: ${counted.steady.rows} of ${ok201.steady} acknowledged (steady), ${counted.bursty.rows} of ${ok201.bursty} (bursty), duplicates ${counted.steady.rows - counted.steady.uniq + counted.bursty.rows - counted.bursty.uniq}; errors ${steady.errors.total + bursty.errors.total}: ${verdict(exact && steady.errors.total + bursty.errors.total === 0)}`,
  );
  results.push(
    ['single events p99 <= 3x steady', ratio <= 3],
    ['no lost or duplicated events, no errors', exact && steady.errors.total + bursty.errors.total === 0],
  );

  // D. Past capacity, clients retrying as told. Batches of 50 make each request cost the
  // server far more than the client, so arrivals really outrun the server on a shared machine.
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const send = (body: string, key: string) =>
    new Promise<{ status: number; retryAfter: string | undefined }>((done, fail) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: serve.port,
          path: '/api/v1/deployments/batch',
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: `Bearer ${token}`,
            'idempotency-key': key,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => done({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] }));
        },
      );
      req.on('error', fail);
      req.end(body);
    });
  const PER_REQUEST = 50;
  const requests = Math.ceil(FLOOD / PER_REQUEST);
  const bodies = Array.from({ length: requests }, (_, r) =>
    JSON.stringify({
      deployments: Array.from({ length: PER_REQUEST }, (_, j) => ({
        service: 'target',
        environment: 'flood',
        version: `flood-${r * PER_REQUEST + j}`,
        status: 'succeeded',
        startedAt: new Date(end - 120_000).toISOString(),
        finishedAt: new Date(end - 60_000).toISOString(),
      })),
    }),
  );
  let next = 0;
  let refusals = 0;
  let maxAttempts = 0;
  let retryAfterMissing = 0;
  const floodStart = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < requests) {
        const r = next++;
        for (let attempt = 1; ; attempt++) {
          const res = await send(bodies[r] as string, `flood-${r}`);
          if (res.status === 201) {
            maxAttempts = Math.max(maxAttempts, attempt);
            break;
          }
          if (res.status !== 429 && res.status !== 503) throw new Error(`flood request answered ${res.status}`);
          refusals++;
          const after = Number(res.retryAfter);
          if (res.retryAfter === undefined || !Number.isFinite(after)) retryAfterMissing++;
          await sleep((Number.isFinite(after) ? after : 1) * 1000);
        }
      }
    }),
  );
  agent.destroy();
  const floodMs = performance.now() - floodStart;
  const flood = countVersions(database, 'flood-');
  const events = requests * PER_REQUEST;
  const floodOk = refusals > 0 && retryAfterMissing === 0 && flood.rows === events && flood.uniq === events;
  log(
    `\nD. Past capacity: ${events.toLocaleString('en')} deployments in ${requests} batches of ${PER_REQUEST} from ${CLIENTS} concurrent clients in ${sec(floodMs)} (${Math.round(events / (floodMs / 1000)).toLocaleString('en')} events/s): ${refusals.toLocaleString('en')} answers were 429 with Retry-After (${retryAfterMissing} without), at most ${maxAttempts} attempts for one request; stored ${flood.rows} rows, ${flood.uniq} distinct: ${verdict(floodOk)}`,
  );
  results.push(['429 past capacity, retries lose nothing', floodOk]);
  await serve.stop();

  log(`\nSUMMARY ${results.map(([name, ok]) => `${name}: ${verdict(ok)}`).join('; ')}`);
  return results.every(([, ok]) => ok) ? 0 : 1;
}

cleanupOnSignals();
await runBenchmark('changes benchmark', main, flags.keep === true);

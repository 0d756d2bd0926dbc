/**
 * The flag APIs under load (issue #5's HTTP target): the Unleash client API
 * (`GET /api/client/features`, what every SDK polls) and OFREP (`POST
 * /ofrep/v1/evaluate/flags/{key}`, one evaluation per request) of `atrium serve` (SQLite,
 * F flags, default 200), each under the open-loop generator at 1,000 requests/s with 1-s
 * bursts to 3,000 every 10 s, next to a bare `node:http` server returning a body of the
 * same size under the identical schedule in the same run. Target: p99 within 2x of the
 * bare server's, no errors.
 *
 * On a 2-core machine one 20-s run's p99 swings by half either way (the generator shares
 * the cores), so each endpoint runs R rounds (default 5) of Atrium and bare with the same
 * schedule, Atrium first in odd rounds and bare first in even ones, and the verdict takes the
 * median of the rounds' ratios; every round is printed.
 *
 *   node --import tsx bench/flags-api-bench.ts [--flags 200] [--duration 20] [--rounds 5] [--control] [--keep] [--profile DIR]
 *
 * --profile DIR writes serve's V8 CPU profile and SQL timings there and prints their summaries.
 * --control also runs a second bare server each round and prints bare-against-bare ratios:
 * how far the ratio moves when nothing but the machine differs, with a note when that is
 * beyond 2x either way.
 *
 * Exit status: 0 every target met, 1 some target missed, 2 the benchmark itself failed.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatStats, runOpenLoop, type OpenLoopStats } from './load-generator.ts';
import {
  cleanupOnSignals,
  httpGet,
  log,
  numberFlag,
  onCleanup,
  printProfile,
  runAtrium,
  runBenchmark,
  sec,
  sleep,
  startBareServer,
  startServe,
  verdict,
} from './support.ts';

const { values: flags } = parseArgs({
  options: {
    flags: { type: 'string', default: '200' },
    duration: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '5' },
    control: { type: 'boolean' },
    keep: { type: 'boolean' },
    profile: { type: 'string' },
  },
});
const FLAGS = numberFlag('flags', flags.flags, 1);
const DURATION = numberFlag('duration', flags.duration, 5);
const ROUNDS = numberFlag('rounds', flags.rounds, 1);
const PROFILE = flags.profile ? resolve(flags.profile) : undefined;
const LOAD = { rate: 1000, burstRate: 3000, burstEverySec: 10, burstLengthSec: 1 };

function catalogYaml(count: number): string {
  const docs = [
    'apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: platform\nspec:\n  type: team\n  children: []\n',
    'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: shop\nspec:\n  type: service\n  lifecycle: production\n  owner: platform\n',
  ];
  for (let i = 0; i < count; i++) {
    const spec = {
      owner: 'platform',
      service: 'shop',
      type: 'release',
      strategies: [
        {
          name: 'flexibleRollout',
          parameters: { rollout: String((i * 7) % 100), stickiness: 'default', groupId: `flag-${i}` },
          constraints: [{ contextName: 'region', operator: 'IN', values: ['eu', 'us'] }],
        },
      ],
      environments: { production: { enabled: i % 5 !== 0 } },
    };
    docs.push(
      `apiVersion: atrium.dev/v1\nkind: Flag\nmetadata:\n  name: flag-${i}\nspec:\n  ${JSON.stringify(spec)}\n`,
    );
  }
  return docs.join('---\n');
}

async function main(): Promise<number> {
  if (PROFILE) await mkdir(PROFILE, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'atrium-flags-bench-'));
  if (!flags.keep) onCleanup('work directory', () => rm(work, { recursive: true, force: true }));
  await writeFile(join(work, 'catalog-info.yaml'), catalogYaml(FLAGS));
  const database = join(work, 'atrium.db');
  const created = await runAtrium(
    ['token', 'create', '--name', 'sdk', '--scopes', 'flags:read', '--database', database, '--format', 'json'],
    work,
    'token',
  );
  if (created.code !== 0) throw new Error(`token create failed: ${created.stderr}`);
  const token = (JSON.parse(created.stdout) as { token: string }).token;
  const serve = await startServe({
    catalogDir: work,
    database,
    workDir: work,
    label: 'serve',
    extraArgs: ['--no-watch'],
    profileDir: PROFILE,
  });
  log(
    `Atrium serve ready in ${sec(serve.readyMs)} with ${FLAGS} flags; open loop ${LOAD.rate}/s with 1-s bursts to ${LOAD.burstRate}/s every 10 s, ${DURATION} s per run`,
  );
  const results: [string, boolean][] = [];
  const headers = { authorization: token, accept: 'application/json' };

  const compare = async (
    label: string,
    path: string,
    post: ((i: number) => { body: string }) | undefined,
    sample: () => Promise<Buffer>,
  ) => {
    const body = await sample();
    const run = (port: number, seed: number): Promise<OpenLoopStats> =>
      runOpenLoop({ urls: [`http://127.0.0.1:${port}${path}`], ...LOAD, durationSec: DURATION, seed, headers, post });
    // Unmeasured warm-up of the same shape, then the measured runs with one schedule.
    await runOpenLoop({
      urls: [`http://127.0.0.1:${serve.port}${path}`],
      rate: 500,
      burstRate: 3000,
      burstOffsetSec: 1,
      durationSec: 3,
      seed: 99,
      headers,
      post,
    });
    await sleep(500);
    const bare = await startBareServer({ headers: { 'content-type': 'application/json' }, body });
    const control = flags.control
      ? await startBareServer({ headers: { 'content-type': 'application/json' }, body })
      : undefined;
    const ratios: number[] = [];
    const controlRatios: number[] = [];
    let errors = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      // Odd rounds run Atrium first, even rounds the bare server first: whichever runs right
      // after the other pays for what that one left behind (its collections, its sockets).
      const atriumFirst = round % 2 === 1;
      const floorThenControl = async () => {
        const measured = await run(bare.port, 6 + round);
        return { measured, again: control ? await run(control.port, 6 + round) : undefined };
      };
      const before = atriumFirst ? undefined : await floorThenControl();
      const atrium = await run(serve.port, 6 + round);
      const { measured: floor, again } = before ?? (await floorThenControl());
      const ratio = atrium.latency.p99 / floor.latency.p99;
      ratios.push(ratio);
      errors += atrium.errors.total;
      log(
        `\n${label} (${body.length} B body), round ${round} of ${ROUNDS} (${atriumFirst ? 'Atrium first' : 'bare first'})\n${formatStats('atrium', atrium)}\n${formatStats(`bare node:http, same ${body.length} B`, floor)}`,
      );
      log(
        `   round ${round}: p99 ${atrium.latency.p99.toFixed(2)} ms vs ${floor.latency.p99.toFixed(2)} ms = ${ratio.toFixed(2)}x, errors ${atrium.errors.total}`,
      );
      if (again) {
        controlRatios.push(again.latency.p99 / floor.latency.p99);
        log(
          `   control: a second bare server, right after the first, p99 ${again.latency.p99.toFixed(2)} ms = ${(again.latency.p99 / floor.latency.p99).toFixed(2)}x the first`,
        );
      }
    }
    await bare.stop();
    await control?.stop();
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
    const ok = median(ratios) <= 2 && errors === 0;
    log(
      `   ${label}: p99 ratio per round ${ratios.map((r) => `${r.toFixed(2)}x`).join(', ')}; median ${median(ratios).toFixed(2)}x (target <= 2x), errors ${errors}: ${verdict(ok)}`,
    );
    if (control) {
      log(
        `   control (bare against bare) per round ${controlRatios.map((r) => `${r.toFixed(2)}x`).join(', ')}; median ${median(controlRatios).toFixed(2)}x`,
      );
      // The 2x verdict means little when the floor alone moves by 2x: say so (the verdict stands as measured).
      const [low, high] = [Math.min(...controlRatios), Math.max(...controlRatios)];
      if (low < 0.5 || high > 2)
        log(
          `   NOTE: bare against bare moved from ${low.toFixed(2)}x to ${high.toFixed(2)}x: the machine was noisy, and a 2x verdict from this run is weak`,
        );
    }
    results.push([label, ok]);
  };

  await compare('Unleash client API: GET /api/client/features', '/api/client/features', undefined, async () => {
    const res = await httpGet(serve.port, '/api/client/features', 10_000, { authorization: token });
    if (res.status !== 200) throw new Error(`features answered ${res.status}`);
    return Buffer.from(res.body);
  });

  const contexts = Array.from({ length: 1000 }, (_, i) =>
    JSON.stringify({ context: { targetingKey: `user-${i}`, region: i % 2 ? 'eu' : 'us' } }),
  );
  await compare(
    'OFREP: POST /ofrep/v1/evaluate/flags/flag-7',
    '/ofrep/v1/evaluate/flags/flag-7',
    (i) => ({ body: contexts[i % contexts.length] as string }),
    async () => {
      const res = await fetch(`http://127.0.0.1:${serve.port}/ofrep/v1/evaluate/flags/flag-7`, {
        method: 'POST',
        headers: { authorization: token, 'content-type': 'application/json' },
        body: contexts[0],
      });
      if (res.status !== 200) throw new Error(`OFREP answered ${res.status}`);
      return Buffer.from(await res.arrayBuffer());
    },
  );
  await serve.stop();
  await printProfile(PROFILE, 'serve');

  log(`\nSUMMARY ${results.map(([name, ok]) => `${name}: ${verdict(ok)}`).join('; ')}`);
  return results.every(([, ok]) => ok) ? 0 : 1;
}

cleanupOnSignals();
await runBenchmark('flag API benchmark', main, flags.keep === true);

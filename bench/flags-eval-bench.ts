/**
 * The flag evaluation micro-benchmark: nanoseconds per in-process evaluation for (a) a
 * simple on flag (default strategy) and (b) a 50% flexibleRollout with one constraint,
 * with Atrium's engine and with `unleash-client`'s own `isEnabled` (the SDK's public
 * `Unleash` class, fed the same feature set offline), on the same contexts, in the same
 * run, interleaved round by round so both see the same machine noise. A getVariant row is
 * printed for information. Targets (PERFORMANCE.md): Atrium ≤ 100 ns and ≤ 300 ns, and
 * ≥ 4× faster than unleash-client on each.
 *
 *   node --import tsx bench/flags-eval-bench.ts [--rounds 15] [--iterations 200000] [--seed 1]
 *
 * Exit status: 0 every target met, 1 some target missed, 2 the benchmark itself failed.
 */
import { parseArgs } from 'node:util';
import { compileFeatureSet } from '../src/flags/compile.ts';
import type { FeatureSet, FlagContext } from '../src/flags/model.ts';
import { startReferenceSdk } from '../test/support/reference-sdk.ts';
import { createRng, intBetween } from '../src/platform/prng.ts';
import { log, numberFlag, runBenchmark, verdict } from './support.ts';

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    iterations: { type: 'string', default: '200000' },
    seed: { type: 'string', default: '1' },
  },
});
const ROUNDS = Math.round(numberFlag('rounds', flags.rounds, 1));
const ITERATIONS = Math.round(numberFlag('iterations', flags.iterations, 1000));
const SEED = Math.round(numberFlag('seed', flags.seed, 0));
const CONTEXTS = 1024; // a power of two: the loop picks one with a mask, not a modulo

const featureSet: FeatureSet = {
  version: 2,
  features: [
    { name: 'simple', enabled: true, strategies: [{ name: 'default', parameters: {} }] },
    {
      name: 'rollout',
      enabled: true,
      strategies: [
        {
          name: 'flexibleRollout',
          parameters: { rollout: '50', stickiness: 'default', groupId: 'rollout' },
          constraints: [{ contextName: 'environment', operator: 'IN', values: ['production', 'staging'] }],
        },
      ],
      variants: [
        {
          name: 'blue',
          weight: 334,
          weightType: 'variable',
          stickiness: 'default',
          payload: { type: 'string', value: 'b' },
        },
        { name: 'green', weight: 333, weightType: 'variable', stickiness: 'default' },
        { name: 'red', weight: 333, weightType: 'variable', stickiness: 'default' },
      ],
    },
  ],
};

/**
 * Contexts as a server sees them, mostly in production: a user id, and in varying shapes
 * (with or without a session id, with or without properties), so property reads in the
 * engine meet several object shapes as they would in production, not one.
 */
function makeContexts(seed: number): FlagContext[] {
  const rng = createRng(seed);
  return Array.from({ length: CONTEXTS }, (_, i): FlagContext => {
    const userId = `user-${intBetween(rng, 1, 10_000_000)}`;
    const environment = rng() < 0.9 ? 'production' : 'development';
    const sessionId = `s-${intBetween(rng, 1, 1_000_000_000).toString(36)}`;
    switch (i % 3) {
      case 0:
        return { userId, sessionId, environment, appName: 'atrium-reference' };
      case 1:
        return {
          userId,
          environment,
          appName: 'atrium-reference',
          properties: { tenant: `t${intBetween(rng, 1, 50)}` },
        };
      default:
        return {
          appName: 'atrium-reference',
          environment,
          userId,
          sessionId,
          remoteAddress: '10.0.0.1',
          properties: { tenant: 't1', plan: 'pro' },
        };
    }
  });
}

type Evaluate = (name: string, context: FlagContext) => unknown;

/** ns per call of `evaluate(name, ·)` over the contexts, for `iterations` calls. */
function timeOnce(
  evaluate: Evaluate,
  name: string,
  contexts: FlagContext[],
  iterations: number,
): { ns: number; sink: number } {
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    if (evaluate(name, contexts[i & (CONTEXTS - 1)] as FlagContext)) sink++;
  }
  const elapsed = Number(process.hrtime.bigint() - start);
  return { ns: elapsed / iterations, sink };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

interface Row {
  label: string;
  target: number | undefined;
  atrium: number;
  sdk: number;
}

async function main(): Promise<number> {
  const contexts = makeContexts(SEED);
  const { engine, problems } = compileFeatureSet(featureSet);
  if (problems.length > 0) throw new Error(`the benchmark's feature set has problems: ${JSON.stringify(problems)}`);
  const sdk = await startReferenceSdk(featureSet);
  try {
    const scenarios: { label: string; name: string; target: number | undefined; atrium: Evaluate; sdk: Evaluate }[] = [
      {
        label: '(a) simple on flag, isEnabled',
        name: 'simple',
        target: 100,
        atrium: (n, c) => engine.isEnabled(n, c),
        sdk: (n, c) => sdk.isEnabled(n, c),
      },
      {
        label: '(b) 50% rollout + 1 constraint, isEnabled',
        name: 'rollout',
        target: 300,
        atrium: (n, c) => engine.isEnabled(n, c),
        sdk: (n, c) => sdk.isEnabled(n, c),
      },
      {
        label: '(c) same flag, getVariant (3 variants)',
        name: 'rollout',
        target: undefined,
        atrium: (n, c) => engine.getVariant(n, c).enabled,
        sdk: (n, c) => sdk.getVariant(n, c).enabled,
      },
    ];

    // Both must agree before their speed is worth comparing.
    for (const s of scenarios) {
      for (const c of contexts) {
        if (Boolean(s.atrium(s.name, c)) !== Boolean(s.sdk(s.name, c)))
          throw new Error(`${s.label}: Atrium and unleash-client disagree for ${JSON.stringify(c)}`);
      }
    }

    log(
      `Flag evaluation: ${ROUNDS} rounds × ${ITERATIONS.toLocaleString('en')} calls per engine and scenario, ${CONTEXTS} contexts, Node ${process.version}`,
    );
    // The SDK is ~10× slower: it gets a tenth of the calls per round for a similar time per round.
    const sdkIterations = Math.max(1000, Math.round(ITERATIONS / 10));
    const samples = scenarios.map(() => ({ atrium: [] as number[], sdk: [] as number[] }));
    let sink = 0;
    for (let round = -2; round < ROUNDS; round++) {
      scenarios.forEach((s, i) => {
        const a = timeOnce(s.atrium, s.name, contexts, ITERATIONS);
        const b = timeOnce(s.sdk, s.name, contexts, sdkIterations);
        sink += a.sink + b.sink;
        // The first two rounds warm up the JIT and are not counted.
        if (round >= 0) {
          samples[i]?.atrium.push(a.ns);
          samples[i]?.sdk.push(b.ns);
        }
      });
    }
    const rows: Row[] = scenarios.map((s, i) => ({
      label: s.label,
      target: s.target,
      atrium: median(samples[i]?.atrium ?? []),
      sdk: median(samples[i]?.sdk ?? []),
    }));

    log();
    log(
      `${'scenario'.padEnd(44)} ${'Atrium'.padStart(10)} ${'target'.padStart(8)} ${'unleash-client'.padStart(15)} ${'ratio'.padStart(7)}  verdict`,
    );
    let ok = true;
    for (const r of rows) {
      const ratio = r.sdk / r.atrium;
      const met = r.target === undefined ? undefined : r.atrium <= r.target && ratio >= 4;
      if (met === false) ok = false;
      log(
        `${r.label.padEnd(44)} ${`${r.atrium.toFixed(0)} ns`.padStart(10)} ${(r.target === undefined ? '-' : `≤ ${r.target}`).padStart(8)} ${`${r.sdk.toFixed(0)} ns`.padStart(15)} ${`${ratio.toFixed(1)}×`.padStart(7)}  ${verdict(met)}`,
      );
    }
    log();
    log(
      `(medians over ${ROUNDS} rounds; checksum ${sink}; targets: Atrium ≤ target and ≥ 4× faster than unleash-client)`,
    );
    const [a, b] = rows;
    log(
      `Summary: simple ${a?.atrium.toFixed(0)} ns (${((a?.sdk ?? 0) / (a?.atrium ?? 1)).toFixed(1)}×), rollout+constraint ${b?.atrium.toFixed(0)} ns (${((b?.sdk ?? 0) / (b?.atrium ?? 1)).toFixed(1)}×): ${verdict(ok)}`,
    );
    return ok ? 0 : 1;
  } finally {
    sdk.destroy();
  }
}

await runBenchmark('flags-eval-bench', main, false);

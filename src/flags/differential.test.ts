import assert from 'node:assert/strict';
import os from 'node:os';
import { after, before, describe, it } from 'node:test';
import { chance, createRng, intBetween, pick, type Rng } from '../platform/prng.ts';
import { compileFeatureSet } from './compile.ts';
import type { FlagEngine } from './engine.ts';
import type {
  Constraint,
  Dependency,
  Feature,
  FeatureSet,
  FlagContext,
  FlagVariant,
  Segment,
  StrategyDefinition,
  VariantDefinition,
} from './model.ts';
import { OPERATORS } from './model.ts';
import { startReferenceSdk, type ReferenceSdk } from '../../test/support/reference-sdk.ts';
import { validateFeatureSet } from './validate.ts';

/**
 * Differential test: 10,000 random flags, each evaluated for random contexts by Atrium's
 * engine and by the real Unleash Node SDK (`unleash-client`) on the same feature set, must
 * give the same isEnabled and getVariant answers. The generator aims at the edges: every
 * operator, inverted and case-insensitive constraints, invalid values, segments (some
 * missing), every built-in strategy, custom stickiness, strategy and feature variants with
 * overrides, dependencies (some on missing or dependent parents), UTF-8 and emoji ids.
 *
 * Where Unleash draws a random number (random stickiness, gradualRolloutRandom), both
 * engines are given the same one: Math.random is pinned to one value per evaluation.
 *
 * The Node SDK hashes the low byte of each UTF-16 code unit, so the engine compiled with
 * `hashing: 'node-sdk'` must agree on every case; the one compiled with `hashing: 'utf8'`
 * (the default, as Unleash's Rust engine) must agree wherever everything hashed is ASCII.
 */

const SEED = 20_261_128;
const SETS = 100;
const FEATURES_PER_SET = 100;
const CONTEXTS_PER_FEATURE = 2;
const HOSTNAME = process.env.HOSTNAME || os.hostname();

const USER_IDS = [
  '1',
  '2',
  '42',
  '122',
  '155',
  '607',
  'u-17',
  'alice@example.com',
  'Jürgen',
  'Zoë',
  'Ωmega',
  '用户42',
  '😊',
  'a😊b',
  '🌍🚀',
  'é',
  '\u00ff\u0100',
  '\ud83d',
  '',
];
const SESSION_IDS = ['s1', 's-9f8e', '147', 'séance', '会话', '🎫'];
const ADDRESSES = [
  '127.0.0.1',
  '10.1.2.3',
  '192.168.1.42',
  '192.168.0.3',
  '160.33.0.33',
  '8.8.8.8',
  '2001:db8::1',
  '2001:db8:0:1::42',
  '2001:db9::1',
  '::1',
  '::ffff:10.1.2.3',
  'fe80::1%eth0',
  '10.0.0.1/8',
  '010.1.2.3',
  'not-an-ip',
  '',
];
const ENVIRONMENTS = ['production', 'staging', 'dev', 'Production', ' production', 'default'];
const TIERS = ['gold', 'silver', 'Gold', ' gold ', 'bronze', 'platinum-😊', 'Ünïcode'];
const VERSIONS = [
  '1.2.2',
  '1.2.3',
  '1.10.0',
  '2.0.0',
  '2.0.0-alpha',
  '2.0.0-alpha.1',
  '2.0.0-alpha.10',
  '2.0.0-alpha.beta',
  '2.0.0-1',
  '2.0.0-0.3.7',
  '2.0.0-beta.1',
  '2.0.0-rc',
  '2.0.0+build.5',
  'v2.0.0',
  ' 1.2.2 ',
  '1.2',
  'not a version',
  '01.2.3',
];
const NUMBERS = ['12', '12.0', '13', '0', '-3', '1e2', '0x10', 'abc', '', ' 12 ', '3.14'];
const DATES = [
  '2022-01-22T13:00:00.000Z',
  '2022-01-29T13:00:00.000Z',
  '2022-01-22T13:00:00.000+02:00',
  '2030-06-01T00:00:00Z',
  '2019-12-31',
  'not a date',
];
const EMAILS = ['test@some-email.com', 'TEST@SOME-EMAIL.COM', 'bob@example.org', 'ånders@exämple.no'];
const CUSTOM_FIELDS = ['tier', 'country', 'version', 'age', 'email', 'clientId', 'missingField'];
const FIELDS = ['userId', 'sessionId', 'remoteAddress', 'environment', 'appName', ...CUSTOM_FIELDS];
const REGEXES = [
  '^user\\d{3}$',
  '^[^@]+@[^@]+$',
  '(?i)^gold',
  '^[[:alpha:]]+$',
  '\\bgold\\b',
  '😊',
  '^\\p{Han}',
  '^(foo|fo)$',
  '(regex',
  '^(?=a)b$',
  '^(a)\\1$',
  '.*',
];
const CIDRS = [
  '10.0.0.0/8',
  '10.0.0.0/16',
  '192.168.1.0/24',
  '160.33.0.0/16',
  '127.0.0.1',
  '2001:db8::/32',
  '::1',
  'bad::cidr',
  '127.invalid',
  '10.1.2.3/33',
  '0.0.0.0/0',
];

/** The random source of one feature set, and whether the set keeps to ASCII (so both hashings must agree on all of it). */
interface Gen {
  rng: Rng;
  ascii: boolean;
}

/** Whether every string inside (keys too) is ASCII. */
function isAscii(value: unknown): boolean {
  if (typeof value === 'string') return /^[\x00-\x7f]*$/.test(value);
  if (Array.isArray(value)) return value.every(isAscii);
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).every(([k, v]) => isAscii(k) && isAscii(v));
  return true;
}

function choose<T>(g: Gen, items: readonly T[]): T {
  return pick(g.rng, g.ascii ? items.filter(isAscii) : items);
}

function fieldValues(field: string): string[] {
  switch (field) {
    case 'userId':
      return USER_IDS;
    case 'sessionId':
      return SESSION_IDS;
    case 'remoteAddress':
      return ADDRESSES;
    case 'environment':
      return ENVIRONMENTS;
    case 'appName':
      return ['atrium-reference', 'web', 'mobile'];
    case 'tier':
      return TIERS;
    case 'version':
      return VERSIONS;
    case 'age':
      return NUMBERS;
    case 'email':
      return EMAILS;
    case 'country':
      return ['norway', 'sweden', 'Norway', 'españa', '日本'];
    case 'clientId':
      return ['1', '2', '3', 'c-😊'];
    default:
      return ['s1', 'x'];
  }
}

/** A value of a pool, sometimes altered the ways Unleash normalises (padding, case) or not (substrings). */
function someValue(g: Gen, field: string): string {
  const v = choose(g, fieldValues(field));
  const r = g.rng();
  if (r < 0.1) return ` ${v}`;
  if (r < 0.2) return v.toUpperCase();
  if (r < 0.3) return v.slice(0, Math.max(1, Math.floor(v.length / 2)));
  if (r < 0.35) return v.slice(Math.floor(v.length / 2));
  return v;
}

function constraint(g: Gen): Constraint {
  const rng = g.rng;
  const operator = chance(rng, 0.03) ? 'NOT_A_VALID_OPERATOR' : pick(rng, OPERATORS);
  const field = operator.startsWith('DATE')
    ? 'currentTime'
    : operator === 'IN_CIDR'
      ? 'remoteAddress'
      : operator.startsWith('SEMVER')
        ? 'version'
        : operator.startsWith('NUM')
          ? 'age'
          : pick(rng, FIELDS);
  const c: Constraint = { contextName: field, operator };
  if (chance(rng, 0.25)) c.inverted = true;
  if (chance(rng, 0.25)) c.caseInsensitive = true;
  if (operator.startsWith('NUM')) c.value = pick(rng, NUMBERS);
  else if (operator.startsWith('DATE')) c.value = pick(rng, DATES);
  else if (operator.startsWith('SEMVER')) c.value = pick(rng, VERSIONS);
  else if (operator === 'REGEX') c.value = choose(g, REGEXES);
  else if (operator === 'IN_CIDR') c.values = Array.from({ length: intBetween(rng, 0, 3) }, () => choose(g, CIDRS));
  else c.values = Array.from({ length: intBetween(rng, 0, 4) }, () => (chance(rng, 0.05) ? '' : someValue(g, field)));
  return c;
}

function variants(g: Gen, max: number): VariantDefinition[] {
  const rng = g.rng;
  const n = intBetween(rng, 0, max);
  const stickiness = pick(rng, [undefined, 'default', 'userId', 'sessionId', 'tier', 'clientId', 'missingField']);
  return Array.from({ length: n }, (_, i): VariantDefinition => {
    const v: VariantDefinition = {
      name: choose(g, ['blue', 'red', 'green', 'variant-😊', 'disabled']) + i,
      weight: chance(rng, 0.1) ? 0 : intBetween(rng, 1, 500),
      weightType: 'variable',
    };
    if (i === 0 && stickiness !== undefined) v.stickiness = stickiness;
    if (chance(rng, 0.7))
      v.payload = {
        type: pick(rng, ['string', 'json', 'number']),
        value: choose(g, ['val1', '{"a":1}', '1.2', 'ünïcode 😊']),
      };
    if (chance(rng, 0.2))
      v.overrides = [
        {
          contextName: pick(rng, ['userId', 'tier', 'environment']),
          values: [someValue(g, 'userId'), someValue(g, 'tier'), someValue(g, 'environment')],
        },
      ];
    return v;
  });
}

function groupId(g: Gen, feature: string): string | undefined {
  return choose(g, [feature, feature, 'AB12A', 'grüppe-😊', '', undefined]);
}

function strategy(g: Gen, feature: string, segmentIds: number[]): StrategyDefinition {
  const rng = g.rng;
  const name = chance(rng, 0.03)
    ? 'myCustomStrategy'
    : pick(rng, [
        'default',
        'flexibleRollout',
        'flexibleRollout',
        'flexibleRollout',
        'userWithId',
        'gradualRolloutUserId',
        'gradualRolloutSessionId',
        'gradualRolloutRandom',
        'remoteAddress',
        'applicationHostname',
      ]);
  const parameters: Record<string, string> = {};
  const set = (key: string, value: string | undefined) => {
    if (value !== undefined) parameters[key] = value;
  };
  const percentage = () => pick(rng, ['0', '1', '10', '33', '50', '50', '75', '99', '100', 'abc']);
  switch (name) {
    case 'flexibleRollout':
      set('rollout', percentage());
      set(
        'stickiness',
        pick(rng, ['default', 'default', 'userId', 'sessionId', 'random', 'tier', 'clientId', 'missingField', '']),
      );
      set('groupId', groupId(g, feature));
      break;
    case 'userWithId':
      set(
        'userIds',
        Array.from({ length: intBetween(rng, 0, 4) }, () => choose(g, USER_IDS)).join(pick(rng, [',', ', ', ' , '])),
      );
      break;
    case 'gradualRolloutUserId':
    case 'gradualRolloutSessionId':
      set('percentage', percentage());
      set('groupId', groupId(g, feature));
      break;
    case 'gradualRolloutRandom':
      set('percentage', percentage());
      break;
    case 'remoteAddress':
      set(
        'IPs',
        Array.from({ length: intBetween(rng, 1, 3) }, () => choose(g, [...CIDRS, ...ADDRESSES])).join(
          pick(rng, [',', ', ']),
        ),
      );
      break;
    case 'applicationHostname':
      set('hostNames', pick(rng, [HOSTNAME, HOSTNAME.toUpperCase(), `other-host, ${HOSTNAME}`, 'other-host']));
      break;
  }
  const s: StrategyDefinition = { name, parameters };
  if (chance(rng, 0.6)) s.constraints = Array.from({ length: intBetween(rng, 0, 3) }, () => constraint(g));
  if (chance(rng, 0.15))
    s.segments = Array.from({ length: intBetween(rng, 1, 2) }, () => (chance(rng, 0.1) ? 404 : pick(rng, segmentIds)));
  if (chance(rng, 0.3)) s.variants = variants(g, 3);
  return s;
}

function featureSet(g: Gen, index: number): FeatureSet {
  const rng = g.rng;
  const segments: Segment[] = Array.from({ length: 5 }, (_, i) => ({
    id: i + 1,
    constraints: Array.from({ length: intBetween(rng, 0, 2) }, () => constraint(g)),
  }));
  const names = Array.from(
    { length: FEATURES_PER_SET },
    (_, i) => `${choose(g, ['flag', 'Feature.A', 'checkout', 'Hellø_Wørld', '😊_φriend_你好'])}.${index}.${i}`,
  );
  const features = names.map((name): Feature => {
    const f: Feature = {
      name,
      enabled: chance(rng, 0.85),
      strategies: Array.from({ length: pick(rng, [0, 1, 1, 1, 2, 3]) }, () =>
        strategy(
          g,
          name,
          segments.map((s) => s.id),
        ),
      ),
    };
    if (chance(rng, 0.5)) f.variants = variants(g, 4);
    if (chance(rng, 0.15)) {
      f.dependencies = Array.from({ length: intBetween(rng, 1, 2) }, (): Dependency => {
        const d: Dependency = { feature: chance(rng, 0.05) ? 'no.such.parent' : pick(rng, names) };
        if (chance(rng, 0.3)) d.enabled = chance(rng, 0.5);
        if (chance(rng, 0.3))
          d.variants = Array.from({ length: intBetween(rng, 0, 2) }, () =>
            pick(rng, ['blue0', 'red1', 'green0', 'disabled']),
          );
        return d;
      });
    }
    return f;
  });
  return { version: 2, features, segments };
}

function context(g: Gen): FlagContext {
  const rng = g.rng;
  const c: FlagContext = { appName: 'atrium-reference', environment: 'default' };
  if (chance(rng, 0.8)) c.userId = choose(g, USER_IDS);
  if (chance(rng, 0.5)) c.sessionId = choose(g, SESSION_IDS);
  if (chance(rng, 0.5)) c.remoteAddress = choose(g, ADDRESSES);
  if (chance(rng, 0.7)) c.environment = choose(g, ENVIRONMENTS);
  if (chance(rng, 0.3)) c.appName = pick(rng, ['web', 'mobile']);
  // Always set, so DATE operators never compare against two slightly different "now"s.
  c.currentTime = pick(rng, [
    '2022-01-25T13:00:00.000Z',
    '2022-01-22T11:30:00.000Z',
    '2022-01-29T13:00:00.000Z',
    '2031-01-01T00:00:00Z',
    'garbage',
  ]);
  const properties: Record<string, string | number | null> = {};
  for (const field of CUSTOM_FIELDS) {
    if (chance(rng, 0.5)) properties[field] = choose(g, fieldValues(field));
  }
  if (chance(rng, 0.1)) properties.age = pick(rng, [12, 13.5, 0]);
  if (chance(rng, 0.1)) properties.tier = null;
  if (c.userId === undefined && chance(rng, 0.3)) properties.userId = choose(g, USER_IDS);
  c.properties = properties;
  return c;
}

/** The SDK's variant in Atrium's shape: no deprecated `featureEnabled`, no undefined payload. */
function comparable(v: {
  name: string;
  enabled: boolean;
  payload?: unknown;
  feature_enabled?: boolean;
}): Record<string, unknown> {
  return v.payload === undefined
    ? { name: v.name, enabled: v.enabled, feature_enabled: v.feature_enabled }
    : { name: v.name, enabled: v.enabled, payload: v.payload, feature_enabled: v.feature_enabled };
}

interface Tally {
  cases: number;
  asciiCases: number;
  utf8Differences: number;
  enabledAnswers: number;
  variantAnswers: number;
}

describe("differential: Atrium's engine against unleash-client on 10,000 random flags", () => {
  const originalRandom = Math.random;
  let pinned = 0;
  before(() => {
    Math.random = () => pinned;
  });
  after(() => {
    Math.random = originalRandom;
  });

  it('gives the same isEnabled and getVariant answers', async () => {
    const rng = createRng(SEED);
    const tally: Tally = { cases: 0, asciiCases: 0, utf8Differences: 0, enabledAnswers: 0, variantAnswers: 0 };
    const shown: string[] = [];
    let mismatches = 0;
    for (let s = 0; s < SETS; s++) {
      // Every other set keeps to ASCII, where the utf8 engine must agree with the Node SDK too.
      const g: Gen = { rng, ascii: s % 2 === 0 };
      const set = featureSet(g, s);
      const validated = validateFeatureSet(set);
      assert.ok(
        validated.ok,
        `generated set ${s} is invalid: ${JSON.stringify(validated.ok ? [] : validated.problems.slice(0, 3))}`,
      );
      const nodeSdk: FlagEngine = compileFeatureSet(validated.value, {
        hashing: 'node-sdk',
        hostname: HOSTNAME,
      }).engine;
      const utf8: FlagEngine = compileFeatureSet(validated.value, { hashing: 'utf8', hostname: HOSTNAME }).engine;
      const reference: ReferenceSdk = await startReferenceSdk(set);
      try {
        for (const feature of set.features) {
          const featureAscii = isAscii(
            set.features.filter((f) => f === feature || (feature.dependencies ?? []).some((d) => d.feature === f.name)),
          );
          for (let k = 0; k < CONTEXTS_PER_FEATURE; k++) {
            const ctx = context(g);
            const ascii = featureAscii && isAscii(ctx);
            pinned = rng();
            const expectedEnabled = reference.isEnabled(feature.name, ctx);
            const expectedVariant = comparable(reference.getVariant(feature.name, ctx));
            const answers: [string, boolean, FlagVariant][] = [
              ['node-sdk', nodeSdk.isEnabled(feature.name, ctx), nodeSdk.getVariant(feature.name, ctx)],
              ['utf8', utf8.isEnabled(feature.name, ctx), utf8.getVariant(feature.name, ctx)],
            ];
            tally.cases++;
            if (ascii) tally.asciiCases++;
            if (expectedEnabled) tally.enabledAnswers++;
            if (expectedVariant.enabled) tally.variantAnswers++;
            for (const [mode, enabled, variant] of answers) {
              const same =
                enabled === expectedEnabled && JSON.stringify(comparable(variant)) === JSON.stringify(expectedVariant);
              if (same) continue;
              if (mode === 'utf8' && !ascii) {
                tally.utf8Differences++;
                continue;
              }
              if (++mismatches <= 10) {
                shown.push(
                  `${mode}: ${feature.name} for ${JSON.stringify(ctx)} (random ${pinned}): unleash-client says ${expectedEnabled} ${JSON.stringify(expectedVariant)}, Atrium ${enabled} ${JSON.stringify(variant)}\n  feature: ${JSON.stringify(feature)}`,
                );
              }
            }
          }
        }
      } finally {
        reference.destroy();
      }
    }
    assert.deepEqual(shown, [], `${mismatches} mismatches (the first 10 shown)`);
    assert.equal(tally.cases, SETS * FEATURES_PER_SET * CONTEXTS_PER_FEATURE);
    // The generator must exercise both answers, and the two hashings must really differ beyond ASCII.
    assert.ok(
      tally.enabledAnswers > tally.cases * 0.15 && tally.enabledAnswers < tally.cases * 0.85,
      JSON.stringify(tally),
    );
    assert.ok(tally.variantAnswers > tally.cases * 0.05, JSON.stringify(tally));
    assert.ok(tally.asciiCases > tally.cases * 0.4, JSON.stringify(tally));
    assert.ok(tally.utf8Differences > 0, JSON.stringify(tally));
  });
});

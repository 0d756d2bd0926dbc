import { EventEmitter } from 'node:events';
import { Unleash, type Context, type Variant } from 'unleash-client';
import type { FeatureInterface } from 'unleash-client/lib/feature.js';
import type { RepositoryInterface } from 'unleash-client/lib/repository/index.js';
import type { Segment } from 'unleash-client/lib/strategy/strategy.js';
import type { FeatureSet, FlagContext } from '../../src/flags/model.ts';

/**
 * Test and benchmark support, not engine code: the real Unleash Node SDK (`unleash-client`,
 * a devDependency) evaluating one fixed feature set, offline. The SDK's own `Unleash` class
 * is given a repository that holds the set and is ready at once, so nothing is fetched,
 * nothing is timed and no metrics are sent: every answer is a function of the feature set
 * and the context (and Math.random, where Unleash draws).
 */

class FixedRepository extends EventEmitter implements RepositoryInterface {
  readonly #features: Map<string, FeatureInterface>;
  readonly #segments: Map<number, Segment>;

  constructor(set: FeatureSet) {
    super();
    // The SDK reads the wire format: a JSON round trip gives it exactly what it would have fetched.
    const wire = JSON.parse(JSON.stringify(set)) as { features: FeatureInterface[]; segments?: Segment[] | null };
    this.#features = new Map(wire.features.map((f) => [f.name, f]));
    this.#segments = new Map((wire.segments ?? []).map((s) => [s.id, s]));
  }

  getToggle(name: string): FeatureInterface | undefined {
    return this.#features.get(name);
  }

  getToggles(): FeatureInterface[] {
    return [...this.#features.values()];
  }

  getTogglesWithSegmentData(): never[] {
    return [];
  }

  getSegment(id: number): Segment | undefined {
    return this.#segments.get(id);
  }

  stop(): void {}

  async start(): Promise<void> {
    this.emit('ready');
  }
}

export interface ReferenceSdk {
  isEnabled(name: string, context: FlagContext): boolean;
  getVariant(name: string, context: FlagContext): Variant;
  destroy(): void;
}

/**
 * The SDK's Context type says Date for currentTime and no null properties, but the SDK
 * reads both as Atrium's context has them (`new Date(currentTime)`, `?? ` on properties).
 */
const asSdkContext = (context: FlagContext): Context => context as unknown as Context;

/** An `unleash-client` instance serving `set`, ready when the promise resolves. */
export async function startReferenceSdk(set: FeatureSet, environment = 'default'): Promise<ReferenceSdk> {
  const unleash = new Unleash({
    appName: 'atrium-reference',
    environment,
    // Never contacted: the repository is given, metrics are off.
    url: 'http://127.0.0.1:9/api/',
    repository: new FixedRepository(set),
    disableMetrics: true,
    disableAutoStart: true,
    skipInstanceCountWarning: true,
  });
  await unleash.start();
  return {
    isEnabled: (name, context) => unleash.isEnabled(name, asSdkContext(context)),
    getVariant: (name, context) => unleash.getVariant(name, asSdkContext(context)),
    destroy: () => unleash.destroy(),
  };
}

import { createBucketer, STRATEGY_SEED } from './bucket.ts';
import type { Predicate, ProblemSink } from './constraints.ts';
import { inSubnet, parseIpv4, type IpAddress } from './ip.ts';
import { STRATEGIES, type FlagContext, type StrategyDefinition } from './model.ts';
import type { HashEncoding } from './murmur3.ts';
import { randomPercentage, rolloutStickiness } from './stickiness.ts';

export interface StrategyOptions {
  encoding: HashEncoding;
  /** This host's name, for applicationHostname; undefined when unknown. */
  hostname: string | undefined;
}

const never: Predicate = () => false;

/**
 * Splits a list parameter as Unleash does (a split on the pattern `\s*,\s*`): on commas,
 * dropping the whitespace around each comma but not at either end. Written without that
 * pattern, whose backtracking is quadratic on a long run of spaces.
 */
function splitList(text: string): string[] {
  const parts = text.split(',');
  const last = parts.length - 1;
  return parts.map((part, i) =>
    i > 0 && i < last ? part.trim() : i > 0 ? part.trimStart() : i < last ? part.trimEnd() : part,
  );
}

/** A percentage rollout on a hashed identifier: on when its bucket (1..100) is at most the percentage. */
function rollout(
  percentage: number,
  groupId: string,
  id: (context: FlagContext) => string | undefined,
  encoding: HashEncoding,
): Predicate {
  if (!(percentage > 0)) return never;
  const bucket = createBucketer(groupId, 100, STRATEGY_SEED, encoding);
  return (context) => {
    const v = id(context);
    return !!v && bucket(v) <= percentage;
  };
}

function remoteAddress(list: string): Predicate {
  const ranges = splitList(list);
  const exact = new Set(ranges);
  const subnets = ranges.map(parseIpv4).filter((r): r is IpAddress => r !== undefined);
  return (context) => {
    const address = context.remoteAddress;
    if (address !== undefined && exact.has(address)) return true;
    if (subnets.length === 0) return false;
    // Ranges are IPv4 only here, as in Unleash; IN_CIDR is the operator for IPv6.
    const parsed = parseIpv4(address || '');
    return parsed !== undefined && subnets.some((range) => inSubnet(parsed, range));
  };
}

/**
 * Compiles the activation test of a built-in strategy (its constraints are compiled
 * separately): undefined when the strategy is on for every context. A strategy Atrium does
 * not know is reported and never enabled, as an Unleash SDK treats a custom strategy it
 * was not given.
 */
export function compileStrategyBody(
  strategy: StrategyDefinition,
  path: string,
  options: StrategyOptions,
  report: ProblemSink,
): Predicate | undefined {
  const parameters = strategy.parameters ?? {};
  const text = (name: string): string | undefined => {
    const value = parameters[name];
    return value === undefined ? undefined : String(value);
  };
  // Parameters are strings on the wire; Number() reads them as Unleash does ('' is 0, junk is NaN).
  const number = (name: string): number => Number(parameters[name]);
  switch (strategy.name) {
    case 'default':
      return undefined;
    case 'userWithId': {
      const ids = new Set(text('userIds') ? splitList(text('userIds') as string) : []);
      return (context) => context.userId !== undefined && ids.has(context.userId);
    }
    case 'gradualRolloutUserId':
      return rollout(number('percentage'), text('groupId') || '', (context) => context.userId, options.encoding);
    case 'gradualRolloutSessionId':
      return rollout(number('percentage'), text('groupId') || '', (context) => context.sessionId, options.encoding);
    case 'gradualRolloutRandom': {
      const percentage = number('percentage');
      return () => percentage >= randomPercentage();
    }
    case 'remoteAddress': {
      const list = text('IPs');
      return list ? remoteAddress(list) : never;
    }
    case 'applicationHostname': {
      const list = text('hostNames');
      const host = options.hostname?.toLowerCase();
      return list && host !== undefined && splitList(list.toLowerCase()).includes(host) ? undefined : never;
    }
    case 'flexibleRollout': {
      const percentage = number('rollout');
      const stickiness = text('stickiness') || 'default';
      // With a random fallback there is always an identifier, so 100% needs no hashing.
      if (percentage >= 100 && (stickiness === 'default' || stickiness === 'random')) return undefined;
      return rollout(percentage, text('groupId') || '', rolloutStickiness(stickiness), options.encoding);
    }
    default:
      report({
        path: `${path}.name`,
        code: 'unknown-strategy',
        message: `Unknown strategy ${JSON.stringify(strategy.name)}: it is never enabled`,
        hint: `Use a built-in strategy (${STRATEGIES.join(', ')}) with constraints instead of a custom strategy.`,
      });
      return never;
  }
}

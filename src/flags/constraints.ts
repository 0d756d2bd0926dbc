import { RE2JS } from 're2js';
import { contextReader, type ContextReader } from './context-value.ts';
import { inSubnet, parseIpv4, parseIpv6, sameAddress, type IpAddress } from './ip.ts';
import { FLAG_LIMITS } from './limits.ts';
import { OPERATORS, type Constraint, type FlagContext, type FlagProblem } from './model.ts';
import { compareSemver, parseSemver, type Semver } from './semver.ts';

/** A compiled test on a context. */
export type Predicate = (context: FlagContext) => boolean;

/** Receives what compilation finds that Unleash would evaluate as never matching. */
export type ProblemSink = (problem: FlagProblem) => void;

const never: Predicate = () => false;

/** Unleash ignores empty values and the whitespace around the rest. */
const cleanValues = (values: readonly string[] | null | undefined): string[] =>
  (values ?? []).filter((v) => v !== '').map((v) => v.trim());

function listOperator(read: ContextReader, values: string[], negate: boolean): Predicate {
  const set = new Set(values);
  return negate
    ? (context) => {
        const v = read(context);
        return v === undefined || !set.has(v);
      }
    : (context) => {
        const v = read(context);
        return v !== undefined && set.has(v);
      };
}

function stringOperator(read: ContextReader, operator: string, values: string[], caseInsensitive: boolean): Predicate {
  // toLowerCase, not the SDK's toLocaleLowerCase: the same answer on every server whatever its locale.
  const wanted = caseInsensitive ? values.map((v) => v.toLowerCase()) : values;
  const test =
    operator === 'STR_STARTS_WITH'
      ? (v: string, w: string) => v.startsWith(w)
      : operator === 'STR_ENDS_WITH'
        ? (v: string, w: string) => v.endsWith(w)
        : (v: string, w: string) => v.includes(w);
  return (context) => {
    const raw = read(context);
    if (raw === undefined) return false;
    const v = caseInsensitive ? raw.toLowerCase() : raw;
    for (const w of wanted) if (test(v, w)) return true;
    return false;
  };
}

function numberOperator(read: ContextReader, operator: string, target: number): Predicate {
  // Number() of the text, as Unleash: '' is 0, '0x1A' is 26, and an absent field is NaN (no match).
  const value = (context: FlagContext) => Number(read(context));
  switch (operator) {
    case 'NUM_EQ':
      return (context) => value(context) === target;
    case 'NUM_GT':
      return (context) => value(context) > target;
    case 'NUM_GTE':
      return (context) => value(context) >= target;
    case 'NUM_LT':
      return (context) => value(context) < target;
    default:
      return (context) => value(context) <= target;
  }
}

/** The context's time in ms: `currentTime` when given (NaN when unparseable), otherwise now. */
function contextTime(context: FlagContext): number {
  const t = context.currentTime;
  if (!t) return Date.now();
  return typeof t === 'string' ? Date.parse(t) : t.getTime();
}

function semverOperator(read: ContextReader, operator: string, target: Semver): Predicate {
  const accept: (c: number) => boolean =
    operator === 'SEMVER_EQ'
      ? (c) => c === 0
      : operator === 'SEMVER_GT'
        ? (c) => c > 0
        : operator === 'SEMVER_GTE'
          ? (c) => c >= 0
          : operator === 'SEMVER_LT'
            ? (c) => c < 0
            : (c) => c <= 0;
  return (context) => {
    const v = read(context);
    // A leading `v` is refused on the context's side only, as in Unleash.
    if (!v || v.startsWith('v')) return false;
    const version = parseSemver(v);
    return version !== undefined && accept(compareSemver(version, target));
  };
}

function cidrOperator(read: ContextReader, ranges: { v4: IpAddress[]; v6: IpAddress[] }): Predicate {
  return (context) => {
    const v = read(context);
    if (v === undefined) return false;
    const address = parseIpv4(v) ?? parseIpv6(v);
    if (address === undefined) return false;
    const candidates = address.family === 4 ? ranges.v4 : ranges.v6;
    return candidates.some((range) => sameAddress(address, range) || inSubnet(address, range));
  };
}

/** A REGEX pattern compiled with RE2 (linear-time matching), or a reason it cannot be used. */
export function compileRegex(pattern: string, caseInsensitive: boolean): RE2JS | string {
  if (pattern.length > FLAG_LIMITS.regexLength)
    return `the pattern is longer than ${FLAG_LIMITS.regexLength} characters`;
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(pattern, caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  const size = regex.programSize();
  if (size > FLAG_LIMITS.regexProgramSize)
    return `the pattern costs ${size} RE2 instructions, more than the ${FLAG_LIMITS.regexProgramSize} allowed`;
  return regex;
}

/**
 * Compiles one constraint into a predicate. What cannot match (an unknown operator, an
 * invalid number, date, version, pattern or range) is reported to `report` and compiled as
 * Unleash evaluates it: the operator answers false, which `inverted` then turns to true —
 * except an unknown operator, which is false either way.
 */
export function compileConstraint(constraint: Constraint, path: string, report: ProblemSink): Predicate {
  const { operator, contextName } = constraint;
  const read = contextReader(contextName);
  const problem = (code: string, message: string, hint: string, field = ''): void =>
    report({ path: path + field, code, message, hint });
  let test: Predicate;
  switch (operator) {
    case 'IN':
    case 'NOT_IN':
      test = listOperator(read, cleanValues(constraint.values), operator === 'NOT_IN');
      break;
    case 'STR_STARTS_WITH':
    case 'STR_ENDS_WITH':
    case 'STR_CONTAINS':
      test = stringOperator(read, operator, cleanValues(constraint.values), constraint.caseInsensitive === true);
      break;
    case 'NUM_EQ':
    case 'NUM_GT':
    case 'NUM_GTE':
    case 'NUM_LT':
    case 'NUM_LTE': {
      const target = constraint.value === undefined ? NaN : Number(constraint.value);
      if (Number.isNaN(target)) {
        problem(
          'invalid-number',
          `${operator} needs a number, not ${JSON.stringify(constraint.value ?? null)}`,
          'Write the value as a decimal number, e.g. "12" or "3.5".',
          '.value',
        );
        test = never;
      } else {
        test = numberOperator(read, operator, target);
      }
      break;
    }
    case 'DATE_AFTER':
    case 'DATE_BEFORE': {
      const value = constraint.value;
      const target = value === null ? 0 : value === undefined ? NaN : Date.parse(value);
      if (Number.isNaN(target)) {
        problem(
          'invalid-date',
          `${operator} needs a date, not ${JSON.stringify(value ?? null)}`,
          'Write the value as an ISO-8601 timestamp, e.g. "2026-01-29T13:00:00.000Z".',
          '.value',
        );
        test = never;
      } else {
        // Unleash compares the context's currentTime, whatever contextName says.
        test =
          operator === 'DATE_AFTER'
            ? (context) => contextTime(context) > target
            : (context) => contextTime(context) < target;
      }
      break;
    }
    case 'SEMVER_EQ':
    case 'SEMVER_GT':
    case 'SEMVER_GTE':
    case 'SEMVER_LT':
    case 'SEMVER_LTE': {
      const target = typeof constraint.value === 'string' ? parseSemver(constraint.value) : undefined;
      if (target === undefined) {
        problem(
          'invalid-semver',
          `${operator} needs a semantic version, not ${JSON.stringify(constraint.value ?? null)}`,
          'Write the value as MAJOR.MINOR.PATCH with an optional -prerelease, e.g. "1.2.3" or "2.0.0-beta.1".',
          '.value',
        );
        test = never;
      } else {
        test = semverOperator(read, operator, target);
      }
      break;
    }
    case 'REGEX': {
      const regex =
        typeof constraint.value === 'string'
          ? compileRegex(constraint.value, constraint.caseInsensitive === true)
          : 'there is no pattern';
      if (typeof regex === 'string') {
        problem(
          'invalid-regex',
          `REGEX pattern ${JSON.stringify((constraint.value ?? '').slice(0, 80))} cannot be used: ${regex}`,
          'Use RE2 syntax (no lookaround, no backreferences) and keep the pattern small.',
          '.value',
        );
        test = never;
      } else {
        test = (context) => {
          const v = read(context);
          return v !== undefined && regex.test(v);
        };
      }
      break;
    }
    case 'IN_CIDR': {
      const ranges = { v4: [] as IpAddress[], v6: [] as IpAddress[] };
      cleanValues(constraint.values).forEach((value, i) => {
        const range = parseIpv4(value) ?? parseIpv6(value);
        if (range === undefined) {
          problem(
            'invalid-cidr',
            `IN_CIDR value ${JSON.stringify(value.slice(0, 80))} is not an IP address or CIDR range; it is ignored`,
            'Write an address or a range such as "10.0.0.0/8" or "2001:db8::/32".',
            `.values[${i}]`,
          );
        } else {
          (range.family === 4 ? ranges.v4 : ranges.v6).push(range);
        }
      });
      test = cidrOperator(read, ranges);
      break;
    }
    default:
      problem(
        'unknown-operator',
        `Unknown operator ${JSON.stringify(operator)}: the constraint never matches`,
        `Use one of the Unleash operators: ${OPERATORS.join(', ')}.`,
        '.operator',
      );
      return never;
  }
  if (constraint.inverted === true) {
    const positive = test;
    return (context) => !positive(context);
  }
  return test;
}

/** All of the predicates, in order; undefined for none (nothing to check). */
export function allOf(predicates: readonly Predicate[]): Predicate | undefined {
  if (predicates.length === 0) return undefined;
  if (predicates.length === 1) return predicates[0];
  if (predicates.length === 2) {
    const [a, b] = predicates as [Predicate, Predicate];
    return (context) => a(context) && b(context);
  }
  return (context) => {
    for (const p of predicates) if (!p(context)) return false;
    return true;
  };
}

import { Cron } from 'croner';
import { DAY, HOUR, instantOf, localOf } from '../oncall/wall-clock.ts';

/**
 * A job's cron schedule in its time zone: the ticks it names, and what it says in words.
 * croner reads the expression (5 fields, or 6 with seconds first; `L`, `W`, `#`) and walks
 * wall-clock readings; turning a reading into an instant is done here, by the rule the
 * user guide documents:
 *
 * - A schedule with fixed hours (`30 2 * * *`) names wall-clock times, each run once, as a
 *   person (and Vixie cron) expects: a time the spring-forward gap skips runs at the same
 *   distance after the gap (02:30 becomes 03:30 in Berlin, once); a time the fall-back
 *   repeats runs at its first occurrence only. This is the on-call rotations' rule too
 *   (oncall/wall-clock.ts's instantOf).
 * - A schedule whose hour field is `*` (`*\/5 * * * *`) follows elapsed time, as cron's
 *   "wildcard" jobs do: readings the gap skips do not happen, readings the fall-back repeats
 *   happen twice, so an every-five-minutes job keeps running every five minutes.
 *
 * Pure: croner computes, it schedules nothing here (no timers; `paused`).
 *
 * @example
 * const s = compileSchedule('0 2 * * *', 'Europe/Berlin');
 * nextTick(s, Date.parse('2026-03-28T12:00:00Z')); // 2026-03-29T00:00:00Z (02:00 CET)
 */

export interface Schedule {
  expression: string;
  timeZone: string;
  /** croner over wall-clock readings written as UTC (see wall-clock.ts's local times). */
  cron: Cron;
  /** The hour field is `*`: ticks follow elapsed time across DST changes (above). */
  elapsed: boolean;
}

/** The longest expression kept: real ones are a few dozen characters. */
export const MAX_SCHEDULE_LENGTH = 120;
/** Ticks closer together than this are refused: a job is not a busy loop. */
export const MIN_TICK_INTERVAL_MS = 10_000;
/** Offsets change by at most this much at once (every zone's DST shift is one hour or less; this is twice the largest ever). */
const SLACK = 3 * HOUR;
/** Readings walked for one next tick at most (a per-second schedule across a DST change walks a few hours of them). */
const MAX_SCAN = 50_000;

const NICKNAMES: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** The six fields (seconds first) of an expression, nicknames spelled out; undefined when it has not 5 or 6. */
export function scheduleFields(expression: string): string[] | undefined {
  const trimmed = expression.trim();
  const spelled = NICKNAMES[trimmed.toLowerCase()] ?? trimmed;
  const fields = spelled.split(/\s+/);
  if (fields.length === 5) return ['0', ...fields];
  return fields.length === 6 ? fields : undefined;
}

/** Why an expression is not a schedule (croner's reason, or one of Atrium's limits), or undefined when it is one. */
export function scheduleProblem(expression: string): string | undefined {
  if (expression.length > MAX_SCHEDULE_LENGTH) return `it is longer than ${MAX_SCHEDULE_LENGTH} characters`;
  const fields = scheduleFields(expression);
  if (!fields) return 'it has neither 5 fields (minute hour day month weekday) nor 6 (seconds first)';
  let cron: Cron;
  try {
    cron = new Cron(fields.join(' '), { utcOffset: 0, mode: '6-part', paused: true });
  } catch (err) {
    return (err as Error).message.replace(/^CronPattern: /, '');
  }
  // From a fixed reading, so validation says the same every day: a schedule that never ticks in 28 years (31 February) is a mistake.
  const runs = cron.nextRuns(6, new Date(Date.UTC(2026, 0, 1)));
  if (runs.length === 0) return 'it names no time that exists (such as 30 February)';
  for (let i = 1; i < runs.length; i++)
    if ((runs[i] as Date).getTime() - (runs[i - 1] as Date).getTime() < MIN_TICK_INTERVAL_MS)
      return `it ticks more often than every ${MIN_TICK_INTERVAL_MS / 1000} seconds`;
  return undefined;
}

/** A schedule ready to compute ticks; throws on an expression scheduleProblem refuses (validation runs first). */
export function compileSchedule(expression: string, timeZone: string): Schedule {
  const problem = scheduleProblem(expression);
  const fields = scheduleFields(expression);
  if (problem || !fields) throw new Error(`Not a schedule: "${expression.slice(0, 60)}": ${problem}`);
  return {
    expression,
    timeZone,
    cron: new Cron(fields.join(' '), { utcOffset: 0, mode: '6-part', paused: true }),
    elapsed: fields[2] === '*',
  };
}

/** The zone's offset from UTC at `instant` (ms, east positive). */
function offsetAt(instant: number, timeZone: string): number {
  return localOf(instant, timeZone) - instant;
}

/** Whether the zone keeps one offset from SLACK before `instant` to SLACK after. */
function quiet(instant: number, timeZone: string): boolean {
  return offsetAt(instant - SLACK, timeZone) === offsetAt(instant + SLACK, timeZone);
}

/** The instants a wall-clock reading happens at under the schedule's rule (above), earliest first. */
function instantsOf(schedule: Schedule, local: number): number[] {
  const { timeZone } = schedule;
  if (!schedule.elapsed) return [instantOf(local, timeZone)];
  // A local time is within 14 hours of its instants: a day either side holds both offsets around any change.
  const candidates = [local - offsetAt(local - DAY, timeZone), local - offsetAt(local + DAY, timeZone)];
  return [...new Set(candidates.filter((t) => localOf(t, timeZone) === local))].sort((a, b) => a - b);
}

/**
 * The first tick strictly after `after` (ms since the epoch), or undefined when the
 * schedule has no more. Near a DST change the readings around `after` are walked from a
 * few hours back, because a reading's instant may then lie before an earlier reading's.
 */
export function nextTick(schedule: Schedule, after: number): number | undefined {
  const { cron, timeZone } = schedule;
  let cursor = localOf(after, timeZone) - (quiet(after, timeZone) ? 1 : SLACK);
  let best: number | undefined;
  for (let i = 0; i < MAX_SCAN; i++) {
    const reading = cron.nextRun(new Date(cursor))?.getTime();
    if (reading === undefined) break;
    if (best !== undefined && reading > localOf(best, timeZone) + SLACK) break;
    for (const t of instantsOf(schedule, reading)) if (t > after && (best === undefined || t < best)) best = t;
    // Far from a DST change, readings and instants keep their order: the first found is the next.
    if (best !== undefined && quiet(best, timeZone)) break;
    cursor = reading;
  }
  return best;
}

/** The next `count` ticks after `after`. */
export function nextTicks(schedule: Schedule, after: number, count: number): number[] {
  const out: number[] = [];
  let at = after;
  while (out.length < count) {
    const next = nextTick(schedule, at);
    if (next === undefined) break;
    out.push(next);
    at = next;
  }
  return out;
}

/** How far back previousTick looks, widening: most schedules tick within the hour, a yearly one within 400 days. */
const LOOKBACKS = [5 * 60_000, HOUR, DAY, 32 * DAY, 400 * DAY];

/** The last tick at or before `at`, or undefined when there was none within 400 days. */
export function previousTick(schedule: Schedule, at: number): number | undefined {
  for (const lookback of LOOKBACKS) {
    let last: number | undefined;
    for (let t = nextTick(schedule, at - lookback); t !== undefined && t <= at; t = nextTick(schedule, t)) last = t;
    if (last !== undefined) return last;
  }
  return undefined;
}

/**
 * The ticks in (after, until], at most `cap` of them, earliest first; `more` when further
 * ticks before `until` remain (a long downtime: the caller claims these, then the rest).
 */
export function ticksBetween(
  schedule: Schedule,
  after: number,
  until: number,
  cap: number,
): { ticks: number[]; more: boolean } {
  const ticks: number[] = [];
  let at = after;
  for (;;) {
    const next = nextTick(schedule, at);
    if (next === undefined || next > until) return { ticks, more: false };
    if (ticks.length === cap) return { ticks, more: true };
    ticks.push(next);
    at = next;
  }
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const ORDINALS = ['', 'first', 'second', 'third', 'fourth', 'fifth'];
const NUMBER = /^\d{1,2}$/;

function two(n: string): string {
  return n.padStart(2, '0');
}

/** A list field in words: `1-5` "1 to 5", `*\/15` "every 15th", names through `name`. */
function listWords(field: string, name: (n: number) => string = String): string {
  return field
    .split(',')
    .map((part) => {
      const step = /^(\*|\d+-\d+)\/(\d+)$/.exec(part);
      if (step) return `every ${step[2]}${step[1] === '*' ? '' : ` from ${listWords(step[1] as string, name)}`}`;
      const range = /^(\d+)-(\d+)$/.exec(part);
      if (range) return `${name(Number(range[1]))} through ${name(Number(range[2]))}`;
      return NUMBER.test(part) ? name(Number(part)) : part;
    })
    .join(', ');
}

function timeWords(second: string, minute: string, hour: string): string {
  const secondSuffix = second === '0' ? '' : `:${two(second)}`;
  if (NUMBER.test(second) && NUMBER.test(minute) && NUMBER.test(hour))
    return `at ${two(hour)}:${two(minute)}${secondSuffix}`;
  if (second === '0' && minute === '*' && hour === '*') return 'every minute';
  if (second === '*' && minute === '*' && hour === '*') return 'every second';
  const everySeconds = /^\*\/(\d+)$/.exec(second);
  if (everySeconds && minute === '*' && hour === '*') return `every ${everySeconds[1]} seconds`;
  const everyMinutes = /^\*\/(\d+)$/.exec(minute);
  if (second === '0' && everyMinutes && hour === '*') return `every ${everyMinutes[1]} minutes`;
  if (second === '0' && minute === '0' && hour === '*') return 'every hour';
  if (second === '0' && NUMBER.test(minute) && hour === '*') return `at minute ${minute} of every hour`;
  const parts: string[] = [];
  if (second !== '0') parts.push(second === '*' ? 'every second' : `second ${listWords(second)}`);
  parts.push(minute === '*' ? 'every minute' : `minute ${listWords(minute)}`);
  parts.push(hour === '*' ? 'of every hour' : `of hour ${listWords(hour)}`);
  return `at ${parts.join(', ')}`;
}

function weekdayWords(field: string): string {
  const nth = /^(\d)#(\d)$/.exec(field);
  if (nth) return `on the ${ORDINALS[Number(nth[2])]} ${WEEKDAYS[Number(nth[1])]} of the month`;
  const last = /^(\d)L$/i.exec(field);
  if (last) return `on the last ${WEEKDAYS[Number(last[1])]} of the month`;
  return `on ${listWords(field, (n) => WEEKDAYS[n] ?? String(n))}`;
}

function dayWords(field: string): string {
  if (/^L$/i.test(field)) return 'on the last day of the month';
  if (/^LW$/i.test(field)) return 'on the last weekday of the month';
  const nearest = /^(\d{1,2})W$/i.exec(field);
  if (nearest) return `on the weekday nearest day ${nearest[1]} of the month`;
  return `on day ${listWords(field)} of the month`;
}

/**
 * A schedule in short English ("at 02:00 every day", "every 5 minutes on Monday through
 * Friday"), for pages; the expression itself stays beside it. Undefined for an expression
 * scheduleProblem refuses.
 */
export function scheduleInWords(expression: string): string | undefined {
  const fields = scheduleFields(expression);
  if (!fields || scheduleProblem(expression)) return undefined;
  const [second, minute, hour, day, month, weekday] = fields as [string, string, string, string, string, string];
  const days: string[] = [];
  if (day !== '*' && day !== '?') days.push(dayWords(day));
  if (weekday !== '*' && weekday !== '?') days.push(weekdayWords(weekday));
  const time = timeWords(second, minute, hour);
  const when = days.length > 0 ? days.join(' or ') : time.startsWith('at ') && NUMBER.test(hour) ? 'every day' : '';
  const months = month === '*' ? '' : `in ${listWords(month, (n) => MONTHS[n - 1] ?? String(n))}`;
  return [time, when, months].filter((part) => part !== '').join(' ');
}

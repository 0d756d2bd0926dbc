import { DEFAULT_NAMESPACE, parseEntityRef, refKey } from '../platform/entity-ref.ts';
import { ACTION_TYPES, type ActionItemFields, type ActionStatus, type ActionType, type FieldProblem } from './model.ts';

/**
 * The rules of post-mortem action items, the same on every path (API, form, file, CLI): at
 * most three per post-mortem, each with a catalog owner (User or Group), a deadline within
 * the horizon, a type and, optionally, an http(s) ticket link. Pure.
 */

/** At most this many action items count against a post-mortem (open and done ones). */
export const MAX_ACTION_ITEMS = 3;
/** The furthest a deadline may lie, in days after the day it is set (configurable). */
export const DEFAULT_HORIZON_DAYS = 90;
export const MAX_TITLE_LENGTH = 200;
export const MAX_TICKET_LENGTH = 2000;
export const MAX_REASON_LENGTH = 500;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;
// Control characters would break the one-line places a title is shown (lists, notifications).
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Days since 1970-01-01 of a `YYYY-MM-DD` calendar date, or undefined when it is not one (2025-02-29). */
export function dayNumber(date: string): number | undefined {
  const m = DATE.exec(date);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  // Date.UTC rolls 2025-02-29 over to March 1st: a date that does not round-trip does not exist.
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return undefined;
  return ms / MS_PER_DAY;
}

/** The `YYYY-MM-DD` of a day number. */
export function dateOfDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/**
 * The key of an owner reference when it names a User or Group (a bare name is a team, as
 * in `spec.owner`), else undefined.
 *
 * @example ownerKeyOf('user:jane') // 'user:default/jane'
 */
export function ownerKeyOf(ref: string): string | undefined {
  try {
    const name = parseEntityRef(ref.trim(), { defaultKind: 'group', defaultNamespace: DEFAULT_NAMESPACE });
    const kind = name.kind.toLowerCase();
    return kind === 'group' || kind === 'user' ? refKey(name) : undefined;
  } catch {
    return undefined;
  }
}

export interface ActionItemRules {
  /** The day deadlines are measured from (`YYYY-MM-DD`): today for a new item, the publication day for a file. */
  today: string;
  horizonDays: number;
  /**
   * Whether an owner key (`group:default/checkout`) is a User or Group in the catalog; left
   * out where no catalog is at hand (the CLI reading a file), and the server checks it.
   */
  ownerExists?: (key: string) => boolean;
}

export type Validated = { ok: true; item: ActionItemFields } | { ok: false; problems: FieldProblem[] };

/** A validated item, or every problem with it at once (so a form shows them together). */
export function validateActionItem(input: Readonly<Record<string, unknown>>, rules: ActionItemRules): Validated {
  const problems: FieldProblem[] = [];
  const title = typeof input.title === 'string' ? input.title.trim() : '';
  if (title === '') problems.push({ field: 'title', message: 'an action item needs a title saying what will be done' });
  else if (title.length > MAX_TITLE_LENGTH)
    problems.push({ field: 'title', message: `at most ${MAX_TITLE_LENGTH} characters (it is ${title.length})` });
  else if (CONTROL.test(title)) problems.push({ field: 'title', message: 'one line, without control characters' });

  const ownerRef = typeof input.owner === 'string' ? input.owner.trim() : '';
  const owner = ownerRef === '' ? undefined : ownerKeyOf(ownerRef);
  if (ownerRef === '')
    problems.push({
      field: 'owner',
      message: 'an action item needs an owner (a User or Group of the catalog): without one nobody does it',
    });
  else if (owner === undefined)
    problems.push({ field: 'owner', message: 'not a User or Group reference (e.g. group:default/checkout)' });
  else if (rules.ownerExists && !rules.ownerExists(owner))
    problems.push({ field: 'owner', message: `no User or Group ${owner} in the catalog` });

  const deadline = typeof input.deadline === 'string' ? input.deadline.trim() : '';
  const deadlineProblem = deadlineProblemOf(deadline, rules);
  if (deadlineProblem) problems.push({ field: 'deadline', message: deadlineProblem });

  const type = typeof input.type === 'string' ? input.type.trim().toLowerCase() : '';
  if (!isActionType(type)) problems.push({ field: 'type', message: `one of ${ACTION_TYPES.join(', ')}` });

  const ticketRaw = input.ticket;
  let ticket: string | undefined;
  if (ticketRaw !== undefined && ticketRaw !== null && ticketRaw !== '') {
    const problem = typeof ticketRaw === 'string' ? ticketProblemOf(ticketRaw.trim()) : 'a link, as text';
    if (problem) problems.push({ field: 'ticket', message: problem });
    else ticket = (ticketRaw as string).trim();
  }

  if (problems.length > 0 || owner === undefined || !isActionType(type)) return { ok: false, problems };
  return { ok: true, item: { title, owner, deadline, type, ...(ticket ? { ticket } : {}) } };
}

function isActionType(type: string): type is ActionType {
  return (ACTION_TYPES as readonly string[]).includes(type);
}

function deadlineProblemOf(deadline: string, rules: ActionItemRules): string | undefined {
  if (deadline === '')
    return 'an action item needs a deadline (YYYY-MM-DD): without one it is never late, so it is never done';
  const day = dayNumber(deadline);
  if (day === undefined) return 'a calendar date, YYYY-MM-DD';
  const today = dayNumber(rules.today);
  if (today === undefined) return 'the day to measure it from is not a date';
  if (day < today) return `not before ${rules.today}`;
  if (day > today + rules.horizonDays)
    return `at most ${rules.horizonDays} days ahead (by ${dateOfDay(today + rules.horizonDays)}): split a longer piece of work and track its first step`;
  return undefined;
}

function ticketProblemOf(ticket: string): string | undefined {
  if (ticket.length > MAX_TICKET_LENGTH) return `at most ${MAX_TICKET_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(ticket);
  } catch {
    return 'an absolute http(s) link';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'an http(s) link';
  return undefined;
}

/** The items that count against the limit: deprioritised ones were dropped on purpose, with a reason. */
export function countedItems<T extends { status: ActionStatus }>(items: readonly T[]): T[] {
  return items.filter((item) => item.status !== 'deprioritised');
}

/**
 * Why a post-mortem with `existing` counted items takes no more, and how to go on, or
 * undefined when there is room. Said in full on every path: the rule only works if people
 * understand it.
 */
export function tooManyItems(existing: readonly { id?: string | number; title: string }[]): string | undefined {
  if (existing.length < MAX_ACTION_ITEMS) return undefined;
  const listed = existing
    .map((item) => (item.id !== undefined ? `#${item.id} “${item.title}”` : `“${item.title}”`))
    .join(', ');
  return (
    `This post-mortem already has ${existing.length} action items (${listed}); at most ${MAX_ACTION_ITEMS} are allowed. ` +
    'The limit keeps follow-up from rotting: three items get done, ten get forgotten. ' +
    'Merge this one into an existing item (widen its title), or drop one by deprioritising it with a reason ' +
    '(atrium incident action deprioritise <item> --reason "…"), then add this one.'
  );
}

/** A reason to deprioritise: required, one line of text, bounded. */
export function reasonProblemOf(reason: unknown): string | undefined {
  const text = typeof reason === 'string' ? reason.trim() : '';
  if (text === '') return 'deprioritising needs a reason: it is recorded and shown beside the item';
  if (text.length > MAX_REASON_LENGTH) return `at most ${MAX_REASON_LENGTH} characters`;
  if (CONTROL.test(text)) return 'one line, without control characters';
  return undefined;
}

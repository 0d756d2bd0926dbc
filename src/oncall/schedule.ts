import { DAY, dayOf, instantOf, localOf, weekdayOf } from './wall-clock.ts';

/**
 * Who is on call, computed from a rotation as code: pure arithmetic over wall-clock
 * handoffs in the rotation's time zone, so the server and the browser (the static
 * export's copy) give the same answer. Times in and out are epoch milliseconds; a
 * layer's `start`, `end` and a restriction's times are local times (see wall-clock.ts).
 *
 * The rules, as the user guide states them:
 * - a layer's turns start at `start` and follow each other every `turn` of wall-clock
 *   time, so a daily 09:00 handoff stays at 09:00 across daylight-saving changes (that
 *   day's turn is an hour shorter or longer); turn k belongs to participant k mod n;
 * - with restrictions, the turn's owner is on call only inside them (nobody outside);
 * - later layers sit above earlier ones: the highest layer with someone on call wins;
 * - an override puts its person on call from `from` until `until` over every layer; of
 *   overlapping overrides the one listed last (the newest) wins.
 */

/** A window of each listed weekday (ISO, 1 Monday … 7 Sunday), `from`–`to` after local midnight; `to` ≤ `from` ends the next day. */
export interface Restriction {
  days: readonly number[];
  from: number;
  to: number;
}

export interface Layer {
  name: string;
  /** Local time of the first handoff: it fixes the handoff's time of day (and weekday, for weekly turns). */
  start: number;
  /** Local time the layer stops (none: it goes on). */
  end?: number;
  /** Length of one turn in local milliseconds (a day is 24 wall-clock hours whatever the clocks do). */
  turn: number;
  /** Entity refs of the people taking turns, in order. */
  participants: readonly string[];
  restrictions: readonly Restriction[];
}

export interface Rotation {
  timeZone: string;
  layers: readonly Layer[];
}

export interface Override {
  id: string;
  user: string;
  from: number;
  until: number;
}

/** A stretch of time with one person (or nobody) on call. */
export interface Shift {
  user: string | null;
  from: number;
  until: number;
  /** The layer it comes from, or undefined for nobody or an override. */
  layer?: string;
  /** The override it comes from. */
  override?: string;
}

export interface OnCallNow {
  user: string | null;
  layer?: string;
  override?: string;
  /** When this person hands over (undefined: no handoff ahead, e.g. one participant and no restrictions). */
  until?: number;
  /** The next person on call and from when, if anyone is scheduled after. */
  next?: { user: string; from: number };
}

/** The index of the turn `at` falls in (negative before the layer's first turn). */
function turnIndex(layer: Layer, timeZone: string, at: number): number {
  let k = Math.floor((localOf(at, timeZone) - layer.start) / layer.turn);
  // The estimate is off by one around a clock change; the handoffs themselves decide.
  while (instantOf(layer.start + k * layer.turn, timeZone) > at) k--;
  while (instantOf(layer.start + (k + 1) * layer.turn, timeZone) <= at) k++;
  return k;
}

function restrictionWindows(r: Restriction, timeZone: string, day: number): [number, number] | undefined {
  if (!r.days.includes(weekdayOf(day))) return undefined;
  const end = r.to > r.from ? day + r.to : day + DAY + r.to;
  return [instantOf(day + r.from, timeZone), instantOf(end, timeZone)];
}

function inRestrictions(layer: Layer, timeZone: string, at: number): boolean {
  if (layer.restrictions.length === 0) return true;
  const today = dayOf(localOf(at, timeZone));
  return layer.restrictions.some((r) =>
    [today - DAY, today].some((day) => {
      const window = restrictionWindows(r, timeZone, day);
      return window !== undefined && window[0] <= at && at < window[1];
    }),
  );
}

/** Who a layer has on call at `at`, or null. */
export function layerOnCall(layer: Layer, timeZone: string, at: number): string | null {
  const n = layer.participants.length;
  if (n === 0 || at < instantOf(layer.start, timeZone)) return null;
  if (layer.end !== undefined && at >= instantOf(layer.end, timeZone)) return null;
  if (!inRestrictions(layer, timeZone, at)) return null;
  const k = turnIndex(layer, timeZone, at);
  return layer.participants[((k % n) + n) % n] ?? null;
}

/** Every instant in (from, until) at which a layer may change hands. */
function layerEdges(layer: Layer, timeZone: string, from: number, until: number): number[] {
  const edges = [instantOf(layer.start, timeZone)];
  if (layer.end !== undefined) edges.push(instantOf(layer.end, timeZone));
  if (layer.participants.length > 1) {
    const last = turnIndex(layer, timeZone, until);
    for (let k = Math.max(0, turnIndex(layer, timeZone, from)); k <= last + 1; k++) {
      edges.push(instantOf(layer.start + k * layer.turn, timeZone));
    }
  }
  const lastDay = dayOf(localOf(until, timeZone)) + DAY;
  for (let day = dayOf(localOf(from, timeZone)) - DAY; day <= lastDay; day += DAY) {
    for (const r of layer.restrictions) edges.push(...(restrictionWindows(r, timeZone, day) ?? []));
  }
  return edges.filter((t) => t > from && t < until);
}

function assignmentAt(rotation: Rotation, overrides: readonly Override[], at: number): Omit<Shift, 'from' | 'until'> {
  for (let i = overrides.length - 1; i >= 0; i--) {
    const o = overrides[i] as Override;
    if (o.from <= at && at < o.until) return { user: o.user, override: o.id };
  }
  for (let i = rotation.layers.length - 1; i >= 0; i--) {
    const layer = rotation.layers[i] as Layer;
    const user = layerOnCall(layer, rotation.timeZone, at);
    if (user !== null) return { user, layer: layer.name };
  }
  return { user: null };
}

/**
 * The shifts from `from` until `until` (nobody's included), in order, without gaps: the
 * first starts at `from` and the last ends at `until`. A person's time stays one shift
 * across a layer's handoff to themselves.
 */
export function upcoming(rotation: Rotation, overrides: readonly Override[], from: number, until: number): Shift[] {
  if (!(until > from)) return [];
  const edges = new Set<number>();
  for (const layer of rotation.layers) for (const t of layerEdges(layer, rotation.timeZone, from, until)) edges.add(t);
  for (const o of overrides) for (const t of [o.from, o.until]) if (t > from && t < until) edges.add(t);
  const starts = [from, ...[...edges].sort((a, b) => a - b)];
  const shifts: Shift[] = [];
  starts.forEach((start, i) => {
    const end = starts[i + 1] ?? until;
    const assignment = assignmentAt(rotation, overrides, start);
    const previous = shifts.at(-1);
    if (previous && previous.user === assignment.user && previous.override === assignment.override) {
      previous.until = end;
    } else {
      shifts.push({ ...assignment, from: start, until: end });
    }
  });
  return shifts;
}

/**
 * How far ahead to look for the next handoff: a full cycle of turns and restriction
 * weeks after the last layer to start, and the end of any override now in force.
 */
function lookahead(rotation: Rotation, overrides: readonly Override[], at: number): number {
  const turns = rotation.layers.map(
    (l) => Math.max(0, instantOf(l.start, rotation.timeZone) - at) + l.turn * Math.max(1, l.participants.length),
  );
  const overriding = overrides.filter((o) => o.from <= at && at < o.until).map((o) => o.until - at);
  return Math.max(8 * DAY, ...turns, ...overriding) + DAY;
}

/** Who is on call at `at`, until when, and who comes next. */
export function whoIsOnCall(rotation: Rotation, overrides: readonly Override[], at: number): OnCallNow {
  const horizon = at + lookahead(rotation, overrides, at);
  const shifts = upcoming(rotation, overrides, at, horizon);
  const current = shifts[0] ?? { user: null, from: at, until: horizon };
  const next = shifts.slice(1).find((s) => s.user !== null && s.user !== current.user);
  return {
    user: current.user,
    ...(current.layer !== undefined && { layer: current.layer }),
    ...(current.override !== undefined && { override: current.override }),
    ...(current.until < horizon && { until: current.until }),
    ...(next?.user && { next: { user: next.user, from: next.from } }),
  };
}

import { type FeedLine, type FeedOrigin, type FeedScope, feedScope } from '../changes/feed-scope.ts';
import type { CatalogReader } from '../catalog/reader.ts';
import { keyOfRef } from '../platform/entity-ref.ts';
import {
  type Incident,
  type IncidentEdit,
  type IncidentNote,
  MILESTONES,
  type Milestone,
  milestoneIndex,
} from './model.ts';

/**
 * An incident's timeline: the change events of its affected services and of what they
 * depend on (the blast-radius scope of changes/feed-scope.ts, one per affected service,
 * merged), from a window before the start, with the responders' notes, the milestones
 * and the incident's own edits, on one time axis. Pure but for the catalog's
 * `relationsTouching`, reached through feedScope.
 */

/**
 * What an entry is: a deployment, a traffic switch, a change of a kind changes/model.ts
 * knows (`feature-flag`, `alert`, `config`, …), a responder's note, a milestone reached,
 * or an edit of the incident itself.
 */
export type TimelineEntryType = string;

export interface TimelineEntry {
  type: TimelineEntryType;
  at: string;
  summary: string;
  /** The entity it was recorded on (changes only). */
  service?: string;
  /** Why a change is here: on an affected service, a dependency, a flag (changes only). */
  origin?: FeedOrigin;
  /** The change event's id (changes), the note's or the edit's id. */
  id?: number;
  environment?: string;
  version?: string;
  status?: string;
  slot?: string;
  url?: string;
  /** Who: the change's actor, the note's or the edit's author. */
  by?: string;
  /** A note's Markdown (rendered escaped). */
  body?: string;
}

/** Dependency hops the timeline reaches from each affected service. */
export const TIMELINE_HOPS = 2;

/** [from, to) of an incident's timeline: `windowHours` before the start, to its resolution (or now while open). */
export function timelineWindow(
  incident: Pick<Incident, 'milestones' | 'windowHours'>,
  now: Date,
): {
  from: string;
  to: string;
} {
  const started = Date.parse(incident.milestones.started ?? now.toISOString());
  const resolved = incident.milestones.resolved;
  // One minute past the resolution: changes made while resolving belong to the story.
  const end = resolved === undefined ? now.getTime() : Date.parse(resolved) + 60_000;
  return {
    from: new Date(started - incident.windowHours * 3_600_000).toISOString(),
    to: new Date(Math.max(end, started) + 1).toISOString(),
  };
}

const depthOrder: Record<FeedOrigin['relation'], number> = { self: 0, member: 0, flag: 1, dependency: 2, provider: 2 };

/**
 * The scope of several affected services: each one's feed scope, merged; an entity in
 * more than one keeps its nearest origin (fewest hops, then self before flag before
 * dependency), so a dependency that is also affected reads as affected.
 */
export async function incidentScope(
  catalog: Pick<CatalogReader, 'relationsTouching'>,
  serviceKeys: readonly string[],
  hops: number = TIMELINE_HOPS,
): Promise<Map<string, FeedOrigin>> {
  const merged = new Map<string, FeedOrigin>();
  const scopes: FeedScope[] = await Promise.all(serviceKeys.map((key) => feedScope(catalog, key, hops)));
  for (const scope of scopes) {
    for (const [key, origin] of scope.origins) {
      const known = merged.get(key);
      if (
        !known ||
        origin.depth < known.depth ||
        (origin.depth === known.depth && depthOrder[origin.relation] < depthOrder[known.relation])
      )
        merged.set(key, origin);
    }
  }
  return merged;
}

/** The timeline's type of a change event: its event type, or a change's kind. */
export function entryTypeOf(event: Pick<FeedLine, 'type' | 'kind'>): TimelineEntryType {
  return event.type === 'change' ? (event.kind ?? 'other') : event.type;
}

function changeEntry(event: FeedLine): TimelineEntry {
  return {
    type: entryTypeOf(event),
    at: event.at,
    summary: event.summary,
    service: event.service,
    origin: event.origin,
    id: event.id,
    ...(event.environment ? { environment: event.environment } : {}),
    ...(event.version ? { version: event.version } : {}),
    ...(event.status ? { status: event.status } : {}),
    ...(event.slot ? { slot: event.slot } : {}),
    ...(event.url ? { url: event.url } : {}),
    ...(event.actor ? { by: event.actor } : {}),
  };
}

const MILESTONE_WORDS: Record<Milestone, string> = {
  started: 'Started',
  detected: 'Detected',
  acknowledged: 'Acknowledged',
  investigating: 'Investigating',
  identified: 'Cause identified',
  mitigated: 'Mitigated',
  resolved: 'Resolved',
  postmortem: 'Post-mortem started',
  closed: 'Closed',
};

/** A stored JSON value as words (an edit's before or after). */
function valueText(json: string | null): string {
  if (json === null) return 'nothing';
  const value: unknown = JSON.parse(json);
  if (Array.isArray(value)) return value.join(', ');
  return value === null ? 'nothing' : String(value);
}

/** What an edit of the incident says on its timeline. */
export function editSummary(edit: Pick<IncidentEdit, 'field' | 'before' | 'after' | 'by'>): string {
  const [field, part] = edit.field.split('.');
  switch (field) {
    case 'declared':
      return `Declared ${valueText(edit.after)} by ${edit.by}`;
    case 'milestones':
      return `${MILESTONE_WORDS[part as Milestone] ?? part} time set to ${valueText(edit.after)} by ${edit.by}`;
    case 'roles':
      return `${part === 'lead' ? 'Incident lead' : 'Communications'}: ${edit.after === null ? 'nobody' : valueText(edit.after)} (set by ${edit.by})`;
    case 'customerImpact':
      return `Customer impact updated by ${edit.by}`;
    case 'linkedDeployment': {
      const linked = edit.after === null ? null : (JSON.parse(edit.after) as { id: number } | null);
      return linked
        ? `Linked deployment set to change #${linked.id} by ${edit.by}`
        : `Linked deployment removed by ${edit.by}`;
    }
    case 'windowHours':
      return `Timeline window set to ${valueText(edit.after)} h by ${edit.by}`;
    default:
      return `${field === 'services' ? 'Affected services' : field === 'status' ? 'Status' : field === 'severity' ? 'Severity' : 'Title'} changed from ${valueText(edit.before)} to ${valueText(edit.after)} by ${edit.by}`;
  }
}

/**
 * Changes the incident itself recorded on its services' timelines (declared, escalated,
 * resolved): already on this timeline as its own history, so left out once — by the
 * query (a change of kind `incident` whose URL ends with this), so counts and positions
 * are the timeline's.
 */
export const OWN_CHANGE_MARK = (incidentId: number): string => `incidents/${incidentId}/`;

/**
 * The one time axis, oldest first: the scope's changes in the window (read without the
 * incident's own, OWN_CHANGE_MARK), each reached milestone, the incident's edits and the
 * notes. Entries at one instant keep a fixed order: changes (by id), then milestones,
 * edits and notes.
 */
export function incidentTimeline(
  incident: Pick<Incident, 'milestones'>,
  changes: readonly FeedLine[],
  history: readonly IncidentEdit[],
  notes: readonly IncidentNote[],
): TimelineEntry[] {
  const entries: { entry: TimelineEntry; rank: number; seq: number }[] = [];
  const push = (entry: TimelineEntry, rank: number, seq: number) => entries.push({ entry, rank, seq });
  for (const event of changes) push(changeEntry(event), 0, event.id);
  for (const m of MILESTONES) {
    const at = incident.milestones[m];
    if (at !== undefined) push({ type: 'milestone', at, summary: MILESTONE_WORDS[m] }, 1, milestoneIndex(m));
  }
  for (const edit of history) {
    // Milestone edits show as the milestone itself (above); the edit keeps who and when.
    push({ type: 'incident', at: edit.at, summary: editSummary(edit), id: edit.id, by: edit.by }, 2, edit.id);
  }
  for (const note of notes)
    push(
      { type: 'note', at: note.at, summary: firstLine(note.body), id: note.id, by: note.by, body: note.body },
      3,
      note.id,
    );
  entries.sort((a, b) => Date.parse(a.entry.at) - Date.parse(b.entry.at) || a.rank - b.rank || a.seq - b.seq);
  return entries.map((e) => e.entry);
}

/** One page of a timeline: its entries (oldest first), how many the whole has, and where the older page ends. */
export interface TimelinePage {
  entries: TimelineEntry[];
  total: number;
  /** The `before` of the page of older entries; null when this page reaches the oldest. */
  older: number | null;
}

/** A page's entries [start, end) of `total`, counted from the oldest, and the changes to read for it. */
export interface TimelinePagePlan {
  start: number;
  end: number;
  total: number;
  /** The changes to read, newest first: skip `offset`, then `count`. */
  offset: number;
  count: number;
}

/**
 * Which changes a page of the timeline needs, when the changes are read newest first and
 * only the rest (milestones, edits, notes: `others`) is at hand: the page is entries
 * [start, end) of `total` counted from the oldest — the newest `limit` before position
 * `before` (out-of-range positions clamped), so positions stay put as an open incident's
 * timeline grows at its new end and "show older" keeps its place — i.e. the
 * `end - start` entries after the newest `total - end`. Those are changes newest-first
 * from `offset` (at least that many of the newer entries are changes: all but `others`)
 * up to `offset + count` (at most that many are).
 */
export function timelinePagePlan(changes: number, others: number, limit: number, before?: number): TimelinePagePlan {
  const total = changes + others;
  const end = Math.min(Math.max(0, before ?? total), total);
  const start = Math.max(0, end - Math.max(1, limit));
  const newer = total - end;
  if (start === end) return { start, end, total, offset: 0, count: 0 };
  const offset = Math.max(0, newer - others);
  return { start, end, total, offset, count: Math.min(changes, newer + (end - start)) - offset };
}

/**
 * The page a plan describes, from the changes it said to read (`changes`, any order) and
 * all the other entries: merged, the newest change read sits `plan.offset` changes from
 * the timeline's newest, and every entry from it to the oldest change read is in place
 * (no unread change lies between them), which covers the page.
 */
export function timelinePageOf(
  incident: Pick<Incident, 'milestones'>,
  plan: TimelinePagePlan,
  changes: readonly FeedLine[],
  history: readonly IncidentEdit[],
  notes: readonly IncidentNote[],
): TimelinePage {
  const newestFirst = incidentTimeline(incident, changes, history, notes).reverse();
  // Entry i of newestFirst (from the newest change read on) is entry offset + i from the timeline's newest.
  const from = plan.total - plan.end - plan.offset;
  const entries = newestFirst.slice(from, from + (plan.end - plan.start)).reverse();
  return { entries, total: plan.total, older: plan.start > 0 ? plan.start : null };
}

/** A note's first line, bounded: its summary on the timeline (the whole note is in `body`). */
export function firstLine(text: string, max = 200): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The keys of the affected services, for scope and storage. */
export const serviceKeysOf = (refs: readonly string[]): string[] => [...new Set(refs.map(keyOfRef))];

import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { MAX_ACTION_ITEMS, tooManyItems, validateActionItem, dayNumber, type ActionItemRules } from './action-items.ts';
import type { ActionItemFields } from './model.ts';
import { splitFrontMatter } from '../web/front-matter.ts';

/**
 * The blameless post-mortem: the template the incident page starts from (its timeline
 * filled in from the incident's), and post-mortems written as files beside a service
 * (`docs/postmortems/*.md`) with front matter naming the incident, the publication date,
 * the author and up to three action items, read with file:line problems. Pure.
 */

/** One entry of an incident's timeline, as the incident API answers it. */
export interface TimelineEntry {
  at: string;
  type: string;
  summary: string;
}

export interface IncidentOutline {
  id: string;
  title: string;
  timeline: readonly TimelineEntry[];
}

/** The template's sections, in order: blameless post-mortems ask what happened and why it could, not who. */
export const TEMPLATE_SECTIONS = [
  'Summary',
  'Impact',
  'Detection',
  'Timeline',
  'Contributing factors',
  'What went well',
  'What was hard',
  'Action items',
] as const;

/** Timeline entries written into the template; the incident page keeps the whole timeline. */
export const MAX_TEMPLATE_TIMELINE = 200;
/** A post-mortem's Markdown is stored and rendered whole: this bounds it. */
export const MAX_POSTMORTEM_BYTES = 256 * 1024;

const PROMPTS: Record<(typeof TEMPLATE_SECTIONS)[number], string> = {
  Summary: '_What happened, in two or three sentences a newcomer understands._',
  Impact: '_Who was affected, how, and for how long (customers, requests, money, error budget)._',
  Detection: '_How we found out: an alert, a customer, a person. How long after it started?_',
  Timeline: '',
  'Contributing factors':
    '_The conditions that made this possible: systems, defaults, gaps in tests or alerts. Describe the system, not a person._',
  'What went well': '_What helped: tooling, runbooks, people who knew where to look._',
  'What was hard': '_What slowed us down or confused us._',
  'Action items': `_At most ${MAX_ACTION_ITEMS}, each with an owner and a deadline; added on the incident page or with \`atrium incident action add\`._`,
};

/**
 * Text that Markdown shows as written: no emphasis, links, HTML or table cells can come
 * out of a summary someone else wrote (a commit message, a flag's name), and no new line.
 */
export function markdownText(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').replace(/[\\`*_{}[\]()#+!|<>~&]/g, (c) => `\\${c}`);
}

/** `2026-01-07 10:04 UTC` from an ISO instant (or the text as written when it is not one). */
function minuteOf(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? markdownText(iso) : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The Markdown a new post-mortem starts from, its timeline the incident's, oldest first. */
export function postmortemTemplate(incident: IncidentOutline, items: readonly ActionItemFields[] = []): string {
  const timeline = [...incident.timeline].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const shown = timeline.slice(0, MAX_TEMPLATE_TIMELINE);
  const lines = [`# Post-mortem: ${markdownText(incident.title)}`, ''];
  lines.push('> Blameless: this describes what happened and what let it happen, not who is to blame.', '');
  for (const section of TEMPLATE_SECTIONS) {
    lines.push(`## ${section}`, '');
    if (section === 'Timeline') {
      if (shown.length === 0) lines.push('_Nothing recorded yet: add what happened, when._');
      for (const entry of shown)
        lines.push(`- **${minuteOf(entry.at)}** · ${markdownText(entry.type)} · ${markdownText(entry.summary)}`);
      if (timeline.length > shown.length)
        lines.push(`- _… and ${timeline.length - shown.length} later entries, on the incident page._`);
    } else if (section === 'Action items' && items.length > 0) {
      for (const item of items)
        lines.push(
          `- ${markdownText(item.title)} — ${markdownText(item.owner)}, by ${item.deadline} (${item.type})${item.ticket ? `, ${markdownText(item.ticket)}` : ''}`,
        );
    } else lines.push(PROMPTS[section]);
    lines.push('');
  }
  return lines.join('\n');
}

/** A problem with a post-mortem file, at a line of it (1-based). */
export interface FileProblem {
  file: string;
  line: number;
  message: string;
}

export interface PostmortemFile {
  incident: string;
  /** `YYYY-MM-DD`. */
  published: string;
  author: string;
  actionItems: ActionItemFields[];
  /** The Markdown after the front matter. */
  body: string;
  /** Where the incident and each action item are written: problems found later (an unknown incident, an item the server refuses) point there. */
  lines: { incident: number; items: number[] };
}

export type ParsedFile = { ok: true; postmortem: PostmortemFile } | { ok: false; problems: FileProblem[] };

const INCIDENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Reads a post-mortem file: front matter with `incident`, `published`, `author` and up to
 * three `actionItems` (validated as on every other path, deadlines measured from the day
 * of publication), then Markdown. Every problem at once, each at its line.
 */
export function parsePostmortemFile(file: string, text: string, rules: Omit<ActionItemRules, 'today'>): ParsedFile {
  const at = (line: number, message: string): FileProblem => ({ file, line, message });
  if (Buffer.byteLength(text, 'utf8') > MAX_POSTMORTEM_BYTES)
    return { ok: false, problems: [at(1, `larger than ${MAX_POSTMORTEM_BYTES / 1024} KiB`)] };
  const { front, body } = splitFrontMatter(text);
  if (front === undefined)
    return {
      ok: false,
      problems: [at(1, 'no front matter: start with a --- block naming incident, published, author and actionItems')],
    };
  const lines = new LineCounter();
  const doc = parseDocument(front, { lineCounter: lines, prettyErrors: false });
  // The front matter starts on line 2, after its opening ---.
  const lineOf = (node: Node | null | undefined, fallback = 1) =>
    node?.range ? lines.linePos(node.range[0]).line + 1 : fallback;
  if (doc.errors.length > 0)
    return {
      ok: false,
      problems: doc.errors.map((e) =>
        at(lines.linePos(e.pos[0]).line + 1, `front matter is not YAML: ${e.message.split('\n')[0]}`),
      ),
    };
  const root = doc.contents;
  if (!isMap(root)) return { ok: false, problems: [at(2, 'front matter must be a mapping (key: value lines)')] };
  const problems: FileProblem[] = [];
  const field = (key: string) => {
    const node = root.get(key, true) as Node | undefined;
    const value = doc.get(key);
    return { node, value, line: lineOf(node, 2) };
  };

  const incident = field('incident');
  const incidentId =
    typeof incident.value === 'string' || typeof incident.value === 'number' ? String(incident.value) : '';
  if (!INCIDENT_ID.test(incidentId))
    problems.push(at(incident.line, 'incident: the id of the incident this post-mortem is about (e.g. 42)'));
  const published = field('published');
  const publishedDay = typeof published.value === 'string' ? published.value : '';
  if (dayNumber(publishedDay) === undefined) problems.push(at(published.line, 'published: a date, YYYY-MM-DD'));
  const author = field('author');
  const authorText = typeof author.value === 'string' ? author.value.trim() : '';
  if (authorText === '' || authorText.length > 200)
    problems.push(at(author.line, 'author: who wrote it (a user reference or name, at most 200 characters)'));

  const items = field('actionItems');
  const actionItems: ActionItemFields[] = [];
  const seq = items.node;
  if (seq !== undefined && !isSeq(seq)) problems.push(at(items.line, 'actionItems: a list'));
  if (isSeq(seq)) {
    const refused = tooManyItems(
      seq.items.slice(0, MAX_ACTION_ITEMS).map((n, i) => ({ title: titleOf(n) ?? `item ${i + 1}` })),
    );
    if (seq.items.length > MAX_ACTION_ITEMS && refused)
      problems.push(at(lineOf(seq.items[MAX_ACTION_ITEMS] as Node), refused.replace('add this one', 'list this one')));
    seq.items.slice(0, MAX_ACTION_ITEMS).forEach((node, i) => {
      const itemLine = lineOf(node as Node, items.line);
      if (!isMap(node)) {
        problems.push(at(itemLine, `actionItems[${i}]: a mapping with title, owner, deadline and type`));
        return;
      }
      const validated = validateActionItem(node.toJSON() as Record<string, unknown>, {
        ...rules,
        today: dayNumber(publishedDay) === undefined ? '1970-01-01' : publishedDay,
      });
      if (validated.ok) actionItems.push(validated.item);
      else
        for (const p of validated.problems)
          problems.push(
            at(
              lineOf(node.get(p.field, true) as Node | undefined, itemLine),
              `actionItems[${i}].${p.field}: ${p.message}`,
            ),
          );
    });
  }
  if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => a.line - b.line) };
  return {
    ok: true,
    postmortem: {
      incident: incidentId,
      published: publishedDay,
      author: authorText,
      actionItems,
      body,
      lines: {
        incident: incident.line,
        items: isSeq(seq) ? seq.items.slice(0, MAX_ACTION_ITEMS).map((n) => lineOf(n as Node, items.line)) : [],
      },
    },
  };
}

function titleOf(node: unknown): string | undefined {
  if (!isMap(node)) return undefined;
  const title = node.get('title');
  return typeof title === 'string' ? title : undefined;
}

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ACTION_TYPES } from '../postmortems/model.ts';
import { DEFAULT_HORIZON_DAYS } from '../postmortems/action-items.ts';
import { parsePostmortemFile } from '../postmortems/template.ts';
import { AtriumError, UsageError } from '../platform/errors.ts';
import { type ApiTarget, apiTarget, sendJson } from './api-client.ts';
import { formatOption, type Options } from './args.ts';
import { type IncidentSubcommand, incidentSubcommand } from './incident.ts';
import type { CommandIO } from './io.ts';

/**
 * `atrium incident action add|done|deprioritise` and `atrium incident postmortem
 * publish|review`: rows of the incident command's table. Every rule (three items, owner,
 * deadline) is the server's, through the API, so the CLI refuses exactly what the page and
 * the API refuse; a post-mortem file is also read here first, so its problems come with file:line.
 */

const common = {
  server: { type: 'string' },
  token: { type: 'string' },
  format: { type: 'string', default: 'text' },
} as const satisfies Options;

interface ItemJson {
  id: number;
  title: string;
  owner: string;
  deadline: string;
  type: string;
  status: string;
  ticket?: string;
  deprioritisedReason?: string;
  deprioritisedBy?: string;
  overdue: boolean;
}

interface PostmortemJson {
  incidentId: string;
  author: string;
  publishedAt: string;
  reviewedBy?: string;
  reviewedAt?: string;
}

const itemLine = (i: ItemJson) =>
  `#${i.id} ${i.status.padEnd(13)} ${i.title} — ${i.owner}, by ${i.deadline} (${i.type})${i.overdue ? ' OVERDUE' : ''}${
    i.deprioritisedReason ? ` — deprioritised by ${i.deprioritisedBy}: ${i.deprioritisedReason}` : ''
  }`;

function idsOf(positionals: string[], verb: string, count: 1 | 2): string[] {
  const ids = positionals.slice(1);
  const names = count === 1 ? 'an incident id' : 'an incident id and an item id';
  if (ids.length !== count || ids.some((id) => !/^#?\d{1,15}$/.test(id)))
    throw new UsageError(
      `atrium incident ${verb} needs ${names}`,
      `For example atrium incident ${verb} 12${count === 2 ? ' 3' : ''}`,
    );
  return ids.map((id) => id.replace('#', ''));
}

function verbOf(positionals: string[], row: string, verbs: readonly string[]): string {
  const [verb] = positionals;
  if (verb === undefined || !verbs.includes(verb))
    throw new UsageError(
      `atrium incident ${row} needs one of ${verbs.join(', ')}${verb === undefined ? '' : ` (not "${verb}")`}`,
      `See \`atrium incident ${row} --help\`.`,
    );
  return verb;
}

function target(values: { server?: string; token?: string }, io: CommandIO, needsToken: boolean): ApiTarget {
  return apiTarget(values.server, values.token, io.env, 'incident', needsToken);
}

const action = incidentSubcommand(
  'action add|done|deprioritise ID [ITEM] [options]',
  `action (needs incidents:write; at most three items per post-mortem, each with an owner and a deadline):
  action add ID --title TEXT --owner REF --deadline YYYY-MM-DD --type TYPE [--ticket URL]
                           TYPE: ${ACTION_TYPES.join(', ')}; REF: a User or Group of the catalog;
                           the deadline from today to the horizon (${DEFAULT_HORIZON_DAYS} days by default)
  action done ID ITEM      mark item ITEM of incident ID done
  action deprioritise ID ITEM --reason TEXT
                           an explicit decision not to do it: recorded with the reason and
                           your token's name, shown on the team page; no longer escalated
  --idempotency-key KEY    for add (default: a new UUID per invocation; retries reuse it)`,
  {
    name: 'incident action',
    options: {
      ...common,
      title: { type: 'string' },
      owner: { type: 'string' },
      deadline: { type: 'string' },
      type: { type: 'string' },
      ticket: { type: 'string' },
      reason: { type: 'string' },
      'idempotency-key': { type: 'string' },
    },
    async run({ values, positionals, io }) {
      const format = formatOption(values.format);
      const verb = verbOf(positionals, 'action', ['add', 'done', 'deprioritise']);
      let item: ItemJson;
      if (verb === 'add') {
        const [id] = idsOf(positionals, 'action add', 1);
        const missing = (['title', 'owner', 'deadline', 'type'] as const).filter((n) => !values[n]);
        if (missing.length > 0)
          throw new UsageError(
            `Missing ${missing.map((m) => `--${m}`).join(', ')}: an action item needs a title, an owner, a deadline and a type`,
            'For example atrium incident action add 12 --title "Alert on queue depth" --owner checkout --deadline 2026-12-21 --type prevent',
          );
        const body = {
          title: values.title,
          owner: values.owner,
          deadline: values.deadline,
          type: values.type,
          ...(values.ticket ? { ticket: values.ticket } : {}),
        };
        item = (await sendJson(target(values, io, true), 'POST', `/api/v1/incidents/${id}/actions`, body, {
          idempotencyKey: values['idempotency-key'],
          onRetry: (m) => io.err(`atrium incident: ${m}\n`),
        })) as ItemJson;
      } else {
        const [id, itemId] = idsOf(positionals, `action ${verb}`, 2);
        if (verb === 'deprioritise' && !values.reason)
          throw new UsageError(
            'Missing --reason: deprioritising is a decision, recorded with why',
            'For example atrium incident action deprioritise 12 3 --reason "Covered by the new SLO alert"',
          );
        item = (await sendJson(
          target(values, io, true),
          'PATCH',
          `/api/v1/incidents/${id}/actions/${itemId}`,
          verb === 'done' ? { status: 'done' } : { status: 'deprioritised', reason: values.reason },
        )) as ItemJson;
      }
      io.out(
        format === 'json'
          ? `${JSON.stringify(item)}\n`
          : `${verb === 'add' ? 'added' : verb === 'done' ? 'done' : 'deprioritised'} ${itemLine(item)}\n`,
      );
      return 0;
    },
  },
);

const postmortem = incidentSubcommand(
  'postmortem publish|review ID [--file PATH]',
  `postmortem (needs incidents:write):
  postmortem publish ID --file PATH
                           publish (or edit) the post-mortem from a Markdown file; with front
                           matter (incident, published, author, actionItems: at most three) it is
                           checked first, problems at file:line, and its items are added
  postmortem publish ID --template
                           publish the blameless template, its timeline from the incident
  postmortem review ID     mark it reviewed (not by its author)`,
  {
    name: 'incident postmortem',
    options: { ...common, file: { type: 'string' }, template: { type: 'boolean' } },
    async run({ values, positionals, io }) {
      const format = formatOption(values.format);
      const verb = verbOf(positionals, 'postmortem', ['publish', 'review']);
      const [id] = idsOf(positionals, `postmortem ${verb}`, 1);
      const to = target(values, io, true);
      if (verb === 'review') {
        const reviewed = (await sendJson(
          to,
          'POST',
          `/api/v1/incidents/${id}/postmortem/review`,
          undefined,
        )) as PostmortemJson;
        io.out(
          format === 'json'
            ? `${JSON.stringify(reviewed)}\n`
            : `reviewed the post-mortem of #${id} as ${reviewed.reviewedBy}\n`,
        );
        return 0;
      }
      if (Boolean(values.file) === Boolean(values.template))
        throw new UsageError('Give --file PATH or --template', 'See `atrium incident postmortem --help`.');
      let markdown: string;
      let items: Record<string, string>[] = [];
      if (values.file) {
        const path = values.file;
        const text = await readFile(resolve(io.cwd, path), 'utf8').catch((err: NodeJS.ErrnoException) => {
          throw new AtriumError({
            category: 'user-fixable',
            code: 'file-unreadable',
            message: `Cannot read ${path}: ${err.code ?? err.message}`,
            hint: 'Name a Markdown file, e.g. docs/postmortems/2026-12-07-checkout.md.',
          });
        });
        if (text.startsWith('---')) {
          const parsed = parsePostmortemFile(path, text, { horizonDays: DEFAULT_HORIZON_DAYS });
          if (!parsed.ok)
            throw new AtriumError({
              category: 'user-fixable',
              code: 'invalid-postmortem-file',
              message: `${path} is not a valid post-mortem:\n${parsed.problems.map((p) => `  ${p.file}:${p.line}: ${p.message}`).join('\n')}`,
              hint: 'Fix the lines named; nothing was published.',
            });
          if (parsed.postmortem.incident !== id)
            throw new UsageError(
              `${path} is about incident ${parsed.postmortem.incident}, not ${id}`,
              'Publish it for the incident its front matter names.',
            );
          markdown = parsed.postmortem.body;
          items = parsed.postmortem.actionItems.map((i) => ({ ...i }));
        } else markdown = text;
      } else {
        markdown =
          (
            (await sendJson(to, 'GET', `/api/v1/incidents/${id}/postmortem`, undefined)) as {
              template?: string;
              postmortem?: { markdown: string };
            }
          ).template ?? '';
        if (markdown === '')
          throw new UsageError(`Incident #${id} has a published post-mortem already`, 'Edit it with --file.');
      }
      const published = (await sendJson(to, 'PUT', `/api/v1/incidents/${id}/postmortem`, {
        markdown,
      })) as PostmortemJson;
      const existing = (
        (await sendJson(to, 'GET', `/api/v1/incidents/${id}/postmortem`, undefined)) as { items: ItemJson[] }
      ).items;
      const added: ItemJson[] = [];
      // Items already there (a file published again) are not added twice.
      for (const item of items.filter((i) => !existing.some((e) => e.title === i.title)))
        added.push((await sendJson(to, 'POST', `/api/v1/incidents/${id}/actions`, item)) as ItemJson);
      if (format === 'json') io.out(`${JSON.stringify({ postmortem: published, added })}\n`);
      else
        io.out(
          `published the post-mortem of #${id} (author ${published.author}, ${published.publishedAt})\n${added.map((i) => `  added ${itemLine(i)}\n`).join('')}`,
        );
      return 0;
    },
  },
);

/** The post-mortem rows of `atrium incident`. */
export const POSTMORTEM_SUBCOMMANDS: readonly IncidentSubcommand[] = [action, postmortem];

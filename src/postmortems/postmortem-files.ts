import type { DocsSource } from '../docs/docs-source.ts';
import type { DocsFolder } from '../docs/entity-docs.ts';
import { AtriumError } from '../platform/errors.ts';
import type { Logger } from '../platform/log.ts';
import type { PostmortemService } from './service.ts';
import { type FileProblem, parsePostmortemFile } from './template.ts';

/**
 * Post-mortems written as files beside a service: `postmortems/*.md` in the service's docs
 * (`backstage.io/techdocs-ref`, so `docs/postmortems/` of a `dir:.` service), with front
 * matter naming the incident. They are docs pages like any other (the front matter left
 * out), and published onto their incident by themselves: checked as the CLI checks a file
 * (at most three items, known owners, deadlines within the horizon), the Markdown published
 * when it differs from the incident's, and the items not there yet added through the same
 * rules as every other path. Problems come back at file:line, never as a failure of the run.
 */

/** The folder of a docs tree post-mortem files live in. */
export const POSTMORTEMS_FOLDER = 'postmortems/';
/** Files read per run at most: a run reads every file, so this bounds its work. */
export const MAX_POSTMORTEM_FILES = 500;
/** What records the publications of files (the history's "who", besides the file's author). */
export const FILE_ROUTE = 'docs/postmortems';

/** A post-mortem file: the entity whose docs hold it, its root-relative path, and its text or why it cannot be read. */
export type PostmortemFileText = { ref: string; file: string } & ({ text: string } | { failure: string });

/** What publishing one file did. */
export interface FileOutcome {
  ref: string;
  file: string;
  incident?: string;
  /** Whether its Markdown was published (it differed from the incident's post-mortem). */
  published: boolean;
  /** Action items added (those whose title was not on the incident yet). */
  added: number;
  problems: FileProblem[];
}

/** Every post-mortem file in the docs folders of the catalog's entities (docsFoldersOf), at most MAX_POSTMORTEM_FILES. */
export async function postmortemFilesIn(
  folders: readonly DocsFolder[],
  docs: DocsSource,
): Promise<PostmortemFileText[]> {
  const out: PostmortemFileText[] = [];
  for (const { ref, folder } of folders) {
    const tree = await docs.tree(folder);
    if (!tree) continue;
    for (const page of tree.pages) {
      if (!page.toLowerCase().startsWith(POSTMORTEMS_FOLDER)) continue;
      if (out.length >= MAX_POSTMORTEM_FILES) return out;
      const file = tree.dir ? `${tree.dir}/${page}` : page;
      const read = await docs.read(file);
      out.push(read.ok ? { ref, file, text: read.text } : { ref, file, failure: read.message });
    }
  }
  return out;
}

/** Publishes one file onto its incident; what it did and its problems. Throws only when the database does. */
export async function publishFile(
  postmortems: Pick<PostmortemService, 'ownerCheck' | 'settings' | 'view' | 'publish' | 'addItem'>,
  source: PostmortemFileText,
): Promise<FileOutcome> {
  const { ref, file } = source;
  const outcome: FileOutcome = { ref, file, published: false, added: 0, problems: [] };
  if ('failure' in source) return { ...outcome, problems: [{ file, line: 1, message: source.failure }] };
  const rules = { horizonDays: postmortems.settings.horizonDays };
  // Which owners to ask the catalog about is known only once the file is read: a first
  // reading notes the owners it checks, the second has the catalog's answer for them.
  const owners = new Set<string>();
  parsePostmortemFile(file, source.text, { ...rules, ownerExists: (key) => owners.add(key).has(key) });
  const parsed = parsePostmortemFile(file, source.text, {
    ...rules,
    ownerExists: await postmortems.ownerCheck([...owners]),
  });
  if (!parsed.ok) return { ...outcome, problems: parsed.problems };
  const { postmortem } = parsed;
  const at = (line: number, message: string): FileProblem => ({ file, line, message });
  const refused = (err: unknown): string => {
    if (err instanceof AtriumError && err.category === 'user-fixable') return err.message;
    throw err;
  };
  outcome.incident = postmortem.incident;
  let current: Awaited<ReturnType<PostmortemService['view']>>;
  try {
    current = await postmortems.view(postmortem.incident);
  } catch (err) {
    return { ...outcome, problems: [at(postmortem.lines.incident, `incident: ${refused(err)}`)] };
  }
  if (current.postmortem?.markdown !== postmortem.body) {
    try {
      await postmortems.publish(postmortem.incident, postmortem.body, postmortem.author, FILE_ROUTE, undefined);
      outcome.published = true;
    } catch (err) {
      return { ...outcome, problems: [at(1, refused(err))] };
    }
  }
  const titles = new Set(current.items.map((i) => i.title));
  for (const [i, item] of postmortem.actionItems.entries()) {
    if (titles.has(item.title)) continue;
    try {
      await postmortems.addItem(postmortem.incident, { ...item }, postmortem.author, FILE_ROUTE, undefined);
      outcome.added++;
    } catch (err) {
      outcome.problems.push(at(postmortem.lines.items[i] ?? 1, `actionItems[${i}]: ${refused(err)}`));
    }
  }
  return outcome;
}

/**
 * Publishes every file (one file's problems or failure never stops the others) and logs
 * each problem at file:line, once until it changes: a file left broken is not logged again
 * every run. `logged` is the memory of what was logged, kept by the caller between runs.
 */
export async function publishFiles(
  postmortems: Parameters<typeof publishFile>[0],
  files: readonly PostmortemFileText[],
  logged: Map<string, string>,
  logger?: Logger,
): Promise<FileOutcome[]> {
  const outcomes: FileOutcome[] = [];
  for (const source of files) {
    let outcome: FileOutcome;
    try {
      outcome = await publishFile(postmortems, source);
    } catch (err) {
      logger?.warn({ component: 'postmortems', err, entityRef: source.ref }, `${source.file}: not published`);
      continue;
    }
    outcomes.push(outcome);
    const said = outcome.problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n');
    if (said !== (logged.get(source.file) ?? '') && said !== '')
      logger?.warn(
        { component: 'postmortems', entityRef: source.ref },
        `post-mortem file not published as written:\n${said}`,
      );
    logged.set(source.file, said);
    if (outcome.published || outcome.added > 0)
      logger?.info(
        { component: 'postmortems', entityRef: source.ref },
        `${source.file}: ${outcome.published ? 'published' : 'unchanged'} on incident ${outcome.incident}${outcome.added > 0 ? `, ${outcome.added} action items added` : ''}`,
      );
  }
  return outcomes;
}

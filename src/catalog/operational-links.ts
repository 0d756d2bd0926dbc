import { posix } from 'node:path';
import { isSafeLinkUrl, isUrlLike, type Entity } from './model.ts';

/**
 * What the on-call engineer needs from a descriptor, gathered from `metadata.links` (by
 * link type) and from the annotations Atrium documents. Pure: a function of the entity
 * and the file it was read from.
 */

/** Annotation naming a runbook: a path relative to the descriptor (rendered by Atrium) or a URL. */
export const RUNBOOK_ANNOTATION = 'atrium.dev/runbook';
/** Annotation naming the on-call rotation when there is no link for it: free text or a URL. */
export const ONCALL_ANNOTATION = 'atrium.dev/oncall';
/** Backstage's annotation naming an entity's docs; Atrium reads its `dir:` form. */
export const TECHDOCS_ANNOTATION = 'backstage.io/techdocs-ref';

export interface OperationalLink {
  title: string;
  /** An absolute URL. */
  url?: string;
  /** A file in the catalog root, relative to the root. */
  path?: string;
  /** Where it came from: `link:<type>` or the annotation key. */
  source: string;
}

export interface OperationalLinks {
  runbooks: OperationalLink[];
  oncall: OperationalLink[];
  dashboards: OperationalLink[];
  chat: OperationalLink[];
  docs: OperationalLink[];
}

/** Resolves a path written in a descriptor to a root-relative path, or undefined if it leaves the root. */
export function descriptorRelativePath(descriptorFile: string, target: string): string | undefined {
  if (target.startsWith('/') || isUrlLike(target)) return undefined;
  const joined = posix.normalize(posix.join(posix.dirname(descriptorFile), target));
  return joined === '..' || joined.startsWith('../') ? undefined : joined;
}

function fromValue(title: string, value: string, descriptorFile: string, source: string): OperationalLink | undefined {
  if (isUrlLike(value)) return isSafeLinkUrl(value) ? { title, url: value, source } : undefined;
  const path = descriptorRelativePath(descriptorFile, value);
  return path === undefined ? undefined : { title, path, source };
}

export function operationalLinksOf(entity: Entity, descriptorFile: string): OperationalLinks {
  const ops: OperationalLinks = { runbooks: [], oncall: [], dashboards: [], chat: [], docs: [] };
  const byType: Record<string, OperationalLink[]> = {
    runbook: ops.runbooks,
    oncall: ops.oncall,
    dashboard: ops.dashboards,
    chat: ops.chat,
    docs: ops.docs,
    documentation: ops.docs,
  };
  for (const link of entity.metadata.links ?? []) {
    const bucket = link.type ? byType[link.type.toLowerCase()] : undefined;
    if (!isSafeLinkUrl(link.url)) continue; // validation warned about it (unsafe-link)
    bucket?.push({ title: link.title ?? link.url, url: link.url, source: `link:${link.type}` });
  }
  const annotations = entity.metadata.annotations ?? {};
  const runbook = annotations[RUNBOOK_ANNOTATION];
  if (runbook) {
    const link = fromValue('Runbook', runbook, descriptorFile, RUNBOOK_ANNOTATION);
    if (link) ops.runbooks.unshift(link);
  }
  const oncall = annotations[ONCALL_ANNOTATION];
  if (oncall)
    ops.oncall.push(
      isSafeLinkUrl(oncall)
        ? { title: 'On call', url: oncall, source: ONCALL_ANNOTATION }
        : { title: oncall, source: ONCALL_ANNOTATION },
    );
  const pagerduty = annotations['pagerduty.com/service-id'];
  if (pagerduty) ops.oncall.push({ title: `PagerDuty service ${pagerduty}`, source: 'pagerduty.com/service-id' });
  const opsgenie = annotations['opsgenie.com/team'];
  if (opsgenie) ops.oncall.push({ title: `Opsgenie team ${opsgenie}`, source: 'opsgenie.com/team' });
  const techdocs = annotations[TECHDOCS_ANNOTATION];
  if (techdocs?.startsWith('dir:')) {
    const dir = descriptorRelativePath(descriptorFile, techdocs.slice(4) || '.');
    if (dir !== undefined)
      ops.docs.push({ title: 'Documentation', path: dir === '.' ? '' : dir, source: TECHDOCS_ANNOTATION });
  }
  return ops;
}

/** The runbook kept as a file in the catalog root, if any (root-relative). */
export function runbookFile(ops: OperationalLinks): string | undefined {
  return ops.runbooks.find((r) => r.path !== undefined)?.path;
}

/** The docs folder in the catalog root, if any (root-relative; '' is the root itself). */
export function docsFolder(ops: OperationalLinks): string | undefined {
  return ops.docs.find((d) => d.path !== undefined)?.path;
}

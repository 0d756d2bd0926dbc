import {
  docsFolder,
  operationalLinksOf,
  runbookFile,
  RUNBOOK_ANNOTATION,
  TECHDOCS_ANNOTATION,
} from '../catalog/operational-links.ts';
import type { CatalogReader } from '../catalog/reader.ts';
import type { Entity } from '../catalog/model.ts';
import { encodePath, entityPath } from '../web/site.ts';
import { docSlug, type DocsSource, type DocsTree } from './docs-source.ts';

/** The site-relative path of a docs page of an entity (segments encoded: file names may hold `#` or `%`). */
export function docPagePath(ref: string, page: string): string {
  return `${entityPath(ref)}docs/${encodePath(docSlug(page))}`;
}

export function runbookPagePath(ref: string): string {
  return `${entityPath(ref)}runbook/`;
}

/** An entity whose runbook or docs are files in the catalog root. */
export interface EntityDocs {
  ref: string;
  entity: Entity;
  /** Root-relative path of the runbook file. */
  runbook?: string;
  tree?: DocsTree;
}

/**
 * Every entity with a runbook file or a docs folder: what the export renders, the search
 * index lists and the service worker saves. Only descriptors that mention one of the two
 * annotations are parsed.
 */
export async function entitiesWithDocs(store: CatalogReader, docs: DocsSource): Promise<EntityDocs[]> {
  const out: EntityDocs[] = [];
  for (const { ref, entity, file } of await store.entitiesMentioning([TECHDOCS_ANNOTATION, RUNBOOK_ANNOTATION])) {
    const ops = operationalLinksOf(entity, file);
    const runbook = runbookFile(ops);
    const folder = docsFolder(ops);
    const tree = folder === undefined ? undefined : await docs.tree(folder);
    if (runbook !== undefined || tree) out.push({ ref, entity, runbook, tree });
  }
  return out;
}

/** An entity with a docs folder, and the folder (root-relative). */
export interface DocsFolder {
  ref: string;
  folder: string;
}

/**
 * Every entity with a docs folder, without reading the folders: the part of
 * entitiesWithDocs that only the catalog changes (it parses every descriptor mentioning
 * the annotation: half a second at 50,000 entities), for callers that keep it per catalog
 * generation and read the folders, which change without the catalog, each time.
 */
export async function docsFoldersOf(store: CatalogReader): Promise<DocsFolder[]> {
  const out: DocsFolder[] = [];
  for (const { ref, entity, file } of await store.entitiesMentioning([TECHDOCS_ANNOTATION])) {
    const folder = docsFolder(operationalLinksOf(entity, file));
    if (folder !== undefined) out.push({ ref, folder });
  }
  return out;
}

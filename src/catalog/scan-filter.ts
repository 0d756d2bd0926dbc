import { registeredKinds } from './kinds.ts';

/**
 * What a scan of a folder (no root file, no app-config) leaves out: documents of other
 * tools (Kubernetes, Flux, Kustomize, Gateway API…: any apiVersion that is not a
 * catalog's) and template skeletons, whose files are placeholders until a template runs.
 * Pure.
 */

const CATALOG_API_GROUPS = ['backstage.io/', 'scaffolder.backstage.io/', 'atrium.dev/'];

/** An apiVersion the catalog reads: Backstage's, its scaffolder's, Atrium's, and the registered kinds'. */
export function isCatalogApiVersion(apiVersion: string): boolean {
  if (CATALOG_API_GROUPS.some((group) => apiVersion.startsWith(group))) return true;
  return registeredKinds().some((kind) => kind.apiVersions.includes(apiVersion));
}

/**
 * A path inside a template skeleton: a folder named with a placeholder
 * (`{{cookiecutter.component_id}}/`, `${{ values.name }}/`) or a `skeleton/` folder.
 */
export function isTemplateSkeletonPath(path: string): boolean {
  const folders = path.split('/').slice(0, -1);
  return folders.some((folder) => folder.includes('{{') || folder === 'skeleton');
}

/** A document that is a Backstage app-config (top-level app, backend or catalog, no apiVersion or kind). */
export function looksLikeAppConfig(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if ('apiVersion' in value || 'kind' in value) return false;
  return 'app' in value || 'backend' in value || 'catalog' in value;
}

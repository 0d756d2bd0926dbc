import { posix } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { findExcessiveNesting } from '../platform/yaml-nesting.ts';
import { QUIET_YAML, yamlWarnings } from '../platform/yaml-warnings.ts';
import type { CatalogRoot } from './files.ts';
import type { Dependency } from './file-summary.ts';
import { isUrlLike, type Problem } from './model.ts';
import { MAX_ALIASES, MAX_NESTING } from './parse.ts';
import { UNMAPPED_HINT } from './repository-urls.ts';
import type { SchemaIssue } from './schema.ts';

export interface SubstitutionIssue {
  issue: SchemaIssue;
  severity: Problem['severity'];
}

const SUPPORTED = new Set(['$text', '$json', '$yaml']);
/** `$` keys of JSON Schema and OpenAPI documents written inline: data, never placeholders. */
const SCHEMA_KEYWORDS = new Set([
  '$ref',
  '$schema',
  '$id',
  '$comment',
  '$defs',
  '$anchor',
  '$dynamicRef',
  '$dynamicAnchor',
  '$vocabulary',
]);

/**
 * Replaces `{$text: path}`, `{$json: path}` and `{$yaml: path}` with the file's content,
 * read relative to the descriptor and never from outside the root. Other placeholders
 * (such as `$openapi`) and URLs are left as a readable note, with a warning.
 */
export async function substitute(
  root: CatalogRoot,
  file: string,
  value: unknown,
  path: PropertyKey[],
  dependencies: Map<string, Dependency>,
): Promise<{ value: unknown; issues: SubstitutionIssue[] }> {
  if (Array.isArray(value)) {
    const issues: SubstitutionIssue[] = [];
    const out: unknown[] = [];
    for (const [i, item] of value.entries()) {
      const r = await substitute(root, file, item, [...path, i], dependencies);
      out.push(r.value);
      issues.push(...r.issues);
    }
    return { value: out, issues };
  }
  if (typeof value !== 'object' || value === null) return { value, issues: [] };
  const entries = Object.entries(value);
  const [first] = entries;
  if (entries.length === 1 && first && first[0].startsWith('$') && !SCHEMA_KEYWORDS.has(first[0])) {
    return resolvePlaceholder(root, file, first[0], first[1], [...path, first[0]], dependencies);
  }
  // Like Backstage, an object that mixes `$` keys with others is data, not a placeholder: leave it whole.
  if (entries.some(([key]) => key.startsWith('$'))) return { value, issues: [] };
  const issues: SubstitutionIssue[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    const r = await substitute(root, file, item, [...path, key], dependencies);
    // defineProperty, not assignment: a `__proto__` key in a descriptor is data, never a prototype.
    Object.defineProperty(out, key, { value: r.value, enumerable: true, writable: true, configurable: true });
    issues.push(...r.issues);
  }
  return { value: out, issues };
}

async function resolvePlaceholder(
  root: CatalogRoot,
  file: string,
  placeholder: string,
  target: unknown,
  path: PropertyKey[],
  dependencies: Map<string, Dependency>,
): Promise<{ value: unknown; issues: SubstitutionIssue[] }> {
  const note = `${placeholder}: ${typeof target === 'string' ? target : JSON.stringify(target)}`;
  const error = (code: string, message: string, hint: string) => ({
    value: note,
    issues: [{ issue: { path, code, message, hint }, severity: 'error' as const }],
  });
  const warning = (code: string, message: string, hint: string) => ({
    value: note,
    issues: [{ issue: { path, code, message, hint }, severity: 'warning' as const }],
  });

  if (!SUPPORTED.has(placeholder)) {
    return warning(
      'substitution-unsupported',
      `Placeholder ${placeholder} is not supported; the value is kept as a note`,
      'Atrium substitutes $text, $json and $yaml. Use `$text: ./file` to embed the document.',
    );
  }
  if (typeof target !== 'string' || target.length === 0) {
    return error(
      'substitution-invalid',
      `${placeholder} needs a file path`,
      `Write \`${placeholder}: ./relative/path\`.`,
    );
  }
  let resolved: string | undefined;
  const warnings: SubstitutionIssue[] = [];
  if (isUrlLike(target)) {
    const mapped = root.mapUrl(target);
    if (mapped.kind === 'unmapped') {
      const issue = {
        path,
        code: 'substitution-url-unsupported',
        message: `${placeholder} points at a URL (${target}) that maps to no folder; Atrium does not fetch URLs`,
        hint: UNMAPPED_HINT,
      };
      return { value: note, issues: [{ issue, severity: root.urls.strict ? 'error' : 'warning' }] };
    }
    if (mapped.kind === 'refused') return error(mapped.issue.code, mapped.issue.message, mapped.issue.hint);
    if (mapped.warning) warnings.push({ issue: { path, ...mapped.warning }, severity: 'warning' });
    resolved = mapped.path;
  } else {
    resolved = root.resolveInside(posix.dirname(file), target);
  }
  if (resolved === undefined) {
    return error(
      'substitution-outside-root',
      `${placeholder} path ${target} is absolute or leaves the catalog root`,
      'Use a path relative to this file that stays inside the catalog root.',
    );
  }
  const read = await root.readShared(resolved);
  dependencies.set(resolved, { path: resolved, hash: read.hash, stamp: read.stamp });
  if (!read.ok)
    return error(
      read.failure.code === 'file-missing' ? 'substitution-missing' : read.failure.code,
      read.failure.message,
      read.failure.hint,
    );
  if (placeholder === '$text') return { value: read.text, issues: warnings };
  try {
    // JSON is YAML's flow syntax: the same guard bounds its nesting.
    if (findExcessiveNesting(read.text, MAX_NESTING) !== undefined)
      throw new Error(`nesting deeper than ${MAX_NESTING} levels`);
    if (placeholder === '$json') return { value: JSON.parse(read.text), issues: warnings };
    const lines = new LineCounter();
    const doc = parseDocument(read.text, { ...QUIET_YAML, lineCounter: lines, uniqueKeys: true, prettyErrors: false });
    const [syntax] = doc.errors;
    if (syntax) throw syntax;
    // What the YAML library would have printed on stderr becomes a warning on the placeholder, naming the line.
    const issues = yamlWarnings(doc).map(({ offset, message }) => ({
      issue: {
        path,
        code: 'yaml-warning',
        message: `${resolved}:${lines.linePos(offset).line}: ${message}`,
        hint: `Check the YAML of ${resolved} at that line.`,
      },
      severity: 'warning' as const,
    }));
    return { value: doc.toJS({ maxAliasCount: MAX_ALIASES }), issues: [...warnings, ...issues] };
  } catch (err) {
    return error(
      'substitution-parse',
      `${resolved} could not be parsed for ${placeholder}: ${(err as Error).message.split('\n')[0]}`,
      `Fix the ${placeholder === '$json' ? 'JSON' : 'YAML'} in ${resolved}.`,
    );
  }
}

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { z } from 'zod';
import { tempCatalog } from '../../test/support/catalog.ts';
import { CatalogRoot } from './files.ts';
import { type DialectTranslation, dialectOf, type KindDefinition, type KindDialect, registerKinds } from './kinds.ts';
import { walkCatalog, type WalkResult } from './load.ts';
import type { Problem } from './model.ts';

/**
 * Kind dialects: another tool's documents read as a registered kind. A made-up format
 * (`gadgets.example/v2`: a Gadget naming a Part in the same file) stands for OpenSLO and
 * Sloth, so this test is about the catalog's plumbing only: translation per file, problems
 * at the lines the user wrote, and scans that keep the format's files.
 */

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const gadgets: KindDialect = {
  name: 'Gadgets v2',
  recognizes: (value) => isRecord(value) && value.apiVersion === 'gadgets.example/v2',
  translate(documents): DialectTranslation {
    const parts = new Map<string, number>();
    documents.forEach((doc, i) => {
      if (isRecord(doc) && doc.kind === 'Part' && isRecord(doc.metadata)) parts.set(String(doc.metadata.name), i);
    });
    const made: DialectTranslation['documents'][number][] = [];
    const issues: DialectTranslation['issues'][number][] = [];
    documents.forEach((doc, source) => {
      if (!isRecord(doc) || doc.kind !== 'Gadget' || !isRecord(doc.metadata) || !isRecord(doc.spec)) return;
      if (doc.spec.colour !== undefined)
        issues.push({
          source,
          severity: 'warning',
          path: ['spec', 'colour'],
          code: 'gadget-colour',
          message: 'colour is ignored',
          hint: 'Remove it.',
        });
      const part = parts.get(String(doc.spec.partRef));
      if (part === undefined) {
        issues.push({
          source,
          severity: 'error',
          path: ['spec', 'partRef'],
          code: 'gadget-part-missing',
          message: 'no such Part in this file',
          hint: 'Define the Part.',
        });
        return;
      }
      const partSpec = (documents[part] as { spec: { size: unknown } }).spec;
      made.push({
        value: {
          apiVersion: 'atrium.dev/v1',
          kind: 'Gizmo',
          metadata: { name: doc.metadata.name },
          spec: { size: partSpec.size },
        },
        source: part,
        origin: (path) => (path[0] === 'metadata' ? path : ['spec', 'size']),
      });
    });
    return { documents: made, issues };
  },
};

const widget: KindDefinition = {
  kind: 'Gizmo',
  apiVersions: ['atrium.dev/v1'],
  spec: z.looseObject({ size: z.number() }),
  references: [],
  relationPairs: [],
  dialects: [gadgets],
};
// npm test runs the unit tests in one process: the made-up kind is named so that no other
// test (which may expect, say, Widget to be unknown) meets it in the shared registry.
registerKinds(import.meta.url, [widget]);

const file = [
  'apiVersion: gadgets.example/v2',
  'kind: Part',
  'metadata: {name: wheel}',
  'spec:',
  '  size: big',
  '---',
  'apiVersion: gadgets.example/v2',
  'kind: Gadget',
  'metadata: {name: cart}',
  'spec:',
  '  partRef: wheel',
  '  colour: red',
  '---',
  'apiVersion: gadgets.example/v2',
  'kind: Gadget',
  'metadata: {name: sled}',
  'spec: {partRef: runner}',
  '---',
  'apiVersion: kustomize.config.k8s.io/v1beta1',
  'kind: Kustomization',
  '',
].join('\n');

const catalogs: ReturnType<typeof tempCatalog>[] = [];
after(() => {
  for (const c of catalogs) c.cleanup();
});

async function scan(files: Record<string, string>): Promise<WalkResult> {
  const catalog = tempCatalog(files);
  catalogs.push(catalog);
  return walkCatalog(await CatalogRoot.open(catalog.dir), undefined, {});
}

const problems = (walk: WalkResult): Problem[] =>
  walk.files.flatMap((f) => [...f.problems, ...f.documents.flatMap((d) => d.problems)]);
const line = (p: Problem) => `${p.file}:${p.line} ${p.severity} ${p.code}`;

describe('kind dialects', () => {
  test('a registered dialect is found by what it recognizes', () => {
    assert.equal(dialectOf({ apiVersion: 'gadgets.example/v2', kind: 'Gadget' }), gadgets);
    assert.equal(dialectOf({ apiVersion: 'atrium.dev/v1', kind: 'Gizmo' }), undefined);
    assert.equal(dialectOf('text'), undefined);
  });

  test('a scan reads the dialect, puts problems on the lines written, and still leaves other tools out', async () => {
    const walk = await scan({ 'gadgets.yaml': file });
    assert.deepEqual(
      problems(walk).map(line).sort(),
      [
        'gadgets.yaml:12 warning gadget-colour',
        'gadgets.yaml:17 error gadget-part-missing',
        // The translated Gizmo's size comes from the Part's `size: big`: the schema's error points there.
        'gadgets.yaml:5 error invalid-field',
      ].sort(),
    );
    assert.match(
      problems(walk).find((p) => p.code === 'gadget-colour')?.message ?? '',
      /^Gadgets v2: colour is ignored/,
    );
    assert.deepEqual(walk.scan?.apiVersions, { 'kustomize.config.k8s.io/v1beta1': 1 });
  });

  test('a valid translation is an entity of the kind', async () => {
    const walk = await scan({ 'gadgets.yaml': file.replace('size: big', 'size: 3') });
    assert.deepEqual(
      [...walk.parsed.values()].map((e) => [e.kind, e.metadata.name, e.spec]),
      [['Gizmo', 'cart', { size: 3 }]],
    );
  });
});

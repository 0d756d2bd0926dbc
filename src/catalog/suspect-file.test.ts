import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DocumentSummary } from './file-summary.ts';
import { suspectFile } from './suspect-file.ts';

const doc = (name: string | undefined, valid = true): DocumentSummary => ({
  ...(name ? { key: `component:default/${name}`, ref: `component:default/${name}` } : {}),
  line: 1,
  column: 1,
  valid,
  problems: [],
  references: [],
  targets: [],
});
const code = (...args: Parameters<typeof suspectFile>) => suspectFile(...args)?.code;

test('an empty or whitespace-only file is suspect when named or when it held documents', () => {
  for (const text of ['', ' ', '\n\n', '\t \r\n']) {
    assert.equal(code('a.yaml', text, [], [doc('a')], false), 'file-empty', JSON.stringify(text));
    assert.equal(code('a.yaml', text, [], [], true), 'file-empty', 'a Location or the root names it');
    assert.equal(code('a.yaml', text, [], [], false), undefined, 'found by a scan, never a descriptor');
  }
});

test('a file that lost an entity and ends without a line break, after a separator, or on an invalid document is truncated', () => {
  const before = [doc('a'), doc('b')];
  assert.equal(code('f', 'a\n---\n', [doc('a')], before, true), 'file-truncated');
  assert.equal(code('f', 'a\n---', [doc('a')], before, true), 'file-truncated');
  assert.equal(code('f', 'a\n--- # next\n\n', [doc('a')], before, true), 'file-truncated');
  assert.equal(code('f', 'a', [doc('a')], before, true), 'file-truncated');
  assert.equal(code('f', 'a\n---\nkind: x\n', [doc('a'), doc(undefined, false)], before, true), 'file-truncated');
  assert.match(suspectFile('f', 'a', [doc('a')], before, true)?.message ?? '', /component:default\/b/);
});

test('a whole file, or one that lost nothing, is not suspect', () => {
  const before = [doc('a'), doc('b')];
  assert.equal(code('f', 'a\n', [doc('a')], before, true), undefined, 'the document and its separator removed');
  assert.equal(code('f', '# all gone\n', [], before, true), undefined, 'only a comment left, ending whole');
  assert.equal(code('f', 'a\n---\nb', [doc('a'), doc('b')], before, true), undefined, 'no entity lost');
  assert.equal(
    code('f', 'a\n---\nb\n---\n', [doc('a'), doc('b')], before, true),
    undefined,
    'a trailing separator alone',
  );
  assert.equal(code('f', 'c', [doc('c')], [], true), undefined, 'nothing before');
  assert.equal(
    code('f', 'a\n---\nb-invalid\n', [doc('a'), doc('b', false)], before, true),
    undefined,
    'b kept by name',
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DocumentPool } from './document-pool.ts';
import type { DocumentSummary } from './file-summary.ts';

/** Two documents naming the same owner, as JSON.parse gives them: every part its own copy. */
function documents(): DocumentSummary[] {
  return JSON.parse(
    JSON.stringify([
      {
        line: 1,
        column: 1,
        valid: true,
        problems: [],
        references: [
          {
            relation: 'ownedBy',
            target: { kind: 'group', namespace: 'default', name: 'team-a' },
            path: ['spec', 'owner'],
            line: 8,
            column: 10,
          },
          {
            relation: 'dependsOn',
            target: { kind: 'component', namespace: 'default', name: 'payments' },
            path: ['spec', 'dependsOn', 0],
            line: 10,
            column: 7,
          },
        ],
        targets: [],
        key: 'component:default/checkout',
        ref: 'component:default/checkout',
        kind: 'Component',
        contentHash: 'aa',
      },
      {
        line: 12,
        column: 1,
        valid: false,
        problems: [{ severity: 'error', code: 'x', message: 'm', hint: 'h', file: 'f.yaml', line: 12, column: 1 }],
        references: [
          {
            relation: 'ownedBy',
            target: { kind: 'group', namespace: 'default', name: 'team-a' },
            path: ['spec', 'owner'],
            line: 19,
            column: 10,
          },
        ],
        targets: [],
      },
    ]),
  ) as DocumentSummary[];
}

test('compact documents equal the originals, absent fields stay absent', () => {
  const original = documents();
  const compact = new DocumentPool().compact(original);
  assert.deepEqual(compact, original);
  assert.equal(JSON.stringify(compact), JSON.stringify(original), 'stored as the same JSON');
  assert.equal('key' in (compact[1] as DocumentSummary), false);
});

test('targets, paths and empty lists are shared across documents and files', () => {
  const pool = new DocumentPool();
  const [first, second] = pool.compact(documents()) as [DocumentSummary, DocumentSummary];
  const [other] = pool.compact(documents()) as [DocumentSummary];
  const owner = first.references[0];
  assert.equal(second.references[0]?.target, owner?.target);
  assert.equal(other.references[0]?.target, owner?.target);
  assert.equal(second.references[0]?.path, owner?.path);
  assert.equal(first.problems, other.problems, 'one empty array');
  assert.equal(first.targets, second.targets);
  assert.ok(Object.isFrozen(owner?.target) && Object.isFrozen(owner?.path));
  assert.equal(pool.string('component:default/checkout'), first.key);
});

test('a list the pool made is handed back as it is', () => {
  const pool = new DocumentPool();
  const compact = pool.compact(documents());
  assert.equal(pool.compact(compact), compact);
  const size = pool.size;
  pool.compact(documents());
  assert.equal(pool.size, size, 'nothing new to keep');
});

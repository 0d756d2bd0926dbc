import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createRng, intBetween } from '../src/platform/prng.ts';
import { component, location, tempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { startTestServer } from './support/test-server.ts';

/**
 * 400 rewrites of one catalog file, each interrupted by a sync at a moment a real save
 * can be caught in: after an atomic rename, right after a truncation, cut exactly between
 * two documents, or cut at any other byte. No timing decides anything: the writes and the
 * syncs take turns, and the cut points come from a seeded generator. Every version the
 * writer completes holds every entity, so no read may ever answer 404.
 */

/**
 * 100 of each way of cutting (was 1,000 in all: 17 s on SQLite, 33 s on PostgreSQL). The
 * file is about 530 bytes in three documents; a cut that would lose an entity is any cut
 * inside one of them, dozens of bytes wide, so 100 seeded cuts land in every document of
 * every version shape (both orders, with and without the tags and the dependency) many
 * times over, and the first four rewrites already try every way once.
 */
const REWRITES = 400;
const ENTITIES = ['stable', 'neighbour', 'fixed', 'churn-a', 'churn-b'];

function version(i: number): string {
  const fixed = component('fixed', { title: 'Never changes' });
  const a = component('churn-a', { title: `Churn A ${i}`, tags: i % 3 ? ['go'] : ['go', 'tier-1'] });
  const b = component('churn-b', { title: `Churn B ${i}`, ...(i % 2 ? { dependsOn: ['component:stable'] } : {}) });
  return (i % 2 ? [b, fixed, a] : [fixed, a, b]).join('---\n');
}

/** Where a file that is being written may be cut and still not be a whole file someone could have saved. */
function cutInside(text: string, at: number): number {
  let p = at;
  // A prefix ending exactly at a document's end is a valid file without the rest: a real edit looks the same.
  while (p < text.length - 1 && text[p - 1] === '\n' && text.startsWith('---', p)) p++;
  return p;
}

describeEachDatabase('catalog churn', (dialect) => {
  test(`${REWRITES} rewrites of one file never make a read of any of its entities, or of an unchanged file's, answer 404`, async (t) => {
    const catalog = tempCatalog({
      'catalog-info.yaml': location(['./stable.yaml', './churn.yaml']),
      'stable.yaml': `${component('stable')}---\n${component('neighbour')}`,
      'churn.yaml': version(0),
    });
    const fixture = await startTestServer(dialect, { catalog: catalog.dir });
    t.after(async () => {
      await fixture.close();
      catalog.cleanup();
    });
    const file = join(catalog.dir, 'churn.yaml');
    const rng = createRng(14);
    const answers = new Map<number, number>();
    let reads = 0;
    const syncAndRead = async (): Promise<void> => {
      await fixture.server.syncCatalog();
      for (const name of ENTITIES) {
        const status = (await fixture.server.app.request(`/api/v1/entities/component/default/${name}`)).status;
        answers.set(status, (answers.get(status) ?? 0) + 1);
        reads++;
      }
    };

    for (let i = 1; i <= REWRITES; i++) {
      const text = version(i);
      switch (i % 4) {
        case 0: // atomic: write beside, rename over
          writeFileSync(join(catalog.dir, '.churn.yaml.tmp'), text);
          renameSync(join(catalog.dir, '.churn.yaml.tmp'), file);
          await syncAndRead();
          break;
        case 1: // truncate, sync lands, then the write
          writeFileSync(file, '');
          await syncAndRead();
          writeFileSync(file, text);
          break;
        case 2: {
          // cut exactly between two documents: after a separator
          const boundaries = [...text.matchAll(/^---\n/gm)].map((m) => (m.index ?? 0) + 4);
          writeFileSync(file, text.slice(0, boundaries[intBetween(rng, 0, boundaries.length - 1)]));
          await syncAndRead();
          writeFileSync(file, text);
          break;
        }
        default: // cut at any other byte
          writeFileSync(file, text.slice(0, cutInside(text, intBetween(rng, 1, text.length - 1))));
          await syncAndRead();
          writeFileSync(file, text);
      }
    }
    await syncAndRead();
    assert.deepEqual(Object.fromEntries(answers), { 200: reads });
    assert.equal(reads, (REWRITES + 1) * ENTITIES.length);
    const last = await fixture.server.app.request('/api/v1/entities/component/default/churn-a');
    const body = (await last.json()) as { entity: { metadata: { title: string } }; stale: boolean };
    assert.equal(body.stale, false);
    assert.equal(body.entity.metadata.title, `Churn A ${REWRITES}`);
  });
});

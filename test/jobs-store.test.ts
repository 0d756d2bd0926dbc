import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { JobStore } from '../src/jobs/store.ts';
import { RunnerStore } from '../src/runners/store.ts';
import { describeEachDatabase, openTestDatabase } from './support/databases.ts';

/**
 * The claim pass's statements on both databases: one claim statement moves every claim row
 * still at the tick read (whatever ticks the claims stand at) and leaves a stale one; on
 * PostgreSQL a claim row another replica holds is skipped, not waited for; runs and work
 * orders written from one JSON parameter keep their text (quotes, backslashes, newlines,
 * non-ASCII) and nulls, and a tick's existing run stays.
 */

const T0 = Date.parse('2026-12-07T12:00:00Z');
const MIN = 60_000;

const lastTicks = async (store: JobStore, keys: string[]) =>
  Object.fromEntries([...(await store.states(keys))].map(([key, state]) => [key, state.lastTick]));

describeEachDatabase('job claim statements', (dialect) => {
  test('one statement claims rows at several ticks; a row not at the tick read is left, and nothing is written for it', async (t) => {
    const store = new JobStore(await openTestDatabase(t, dialect, { migrated: true }));
    await store.initStates(['job:default/a', 'job:default/b'], T0, T0);
    await store.initStates(['job:default/c'], T0 - 5 * MIN, T0);
    const seen: string[][] = [];
    const won = await store.claimAll(
      [
        { key: 'job:default/a', expectedLast: T0, newLast: T0 + MIN },
        { key: 'job:default/b', expectedLast: T0 - MIN, newLast: T0 + MIN }, // read before another replica moved it
        { key: 'job:default/c', expectedLast: T0 - 5 * MIN, newLast: T0 + 2 * MIN },
        { key: 'job:default/unknown', expectedLast: T0, newLast: T0 + MIN },
      ],
      T0 + MIN,
      async (trx, keys) => {
        seen.push([...keys].sort());
        await store.insertRuns(
          trx,
          [...keys].map((jobKey) => ({
            jobKey,
            tick: T0 + MIN,
            status: 'queued' as const,
            trigger: 'schedule' as const,
          })),
          T0 + MIN,
        );
      },
    );
    assert.deepEqual([...won].sort(), ['job:default/a', 'job:default/c']);
    assert.deepEqual(seen, [['job:default/a', 'job:default/c']]);
    assert.deepEqual(await lastTicks(store, ['job:default/a', 'job:default/b', 'job:default/c']), {
      'job:default/a': T0 + MIN,
      'job:default/b': T0,
      'job:default/c': T0 + 2 * MIN,
    });
    assert.deepEqual(
      (await store.runs('job:default/b', 10)).map((r) => r.tick),
      [],
    );
    // The same claims again: every row has moved on, so none is won and nothing is written.
    const again = await store.claimAll(
      [{ key: 'job:default/a', expectedLast: T0, newLast: T0 + MIN }],
      T0 + MIN,
      async () => assert.fail('nothing won, nothing to write'),
    );
    assert.equal(again.size, 0);
  });

  test('a write that fails rolls the claims back', async (t) => {
    const store = new JobStore(await openTestDatabase(t, dialect, { migrated: true }));
    await store.initStates(['job:default/a'], T0, T0);
    await assert.rejects(
      store.claimAll([{ key: 'job:default/a', expectedLast: T0, newLast: T0 + MIN }], T0 + MIN, async () => {
        throw new Error('the write failed');
      }),
      /the write failed/,
    );
    assert.deepEqual(await lastTicks(store, ['job:default/a']), { 'job:default/a': T0 });
  });

  test('runs and work orders keep their text and nulls through the JSON parameter; a tick keeps its first run', async (t) => {
    const database = await openTestDatabase(t, dialect, { migrated: true });
    const store = new JobStore(database);
    const odd = "quote \" backslash \\ newline \n tab \t ünïcödé 日本 🚀 'single' $1 ? %s";
    await store.insertRuns(
      database.db,
      [
        { jobKey: 'job:default/a', tick: T0, status: 'missed', trigger: 'schedule', finishedAt: T0 + 1, summary: odd },
        { jobKey: 'job:default/a', tick: T0 + MIN, status: 'queued', trigger: 'catch-up' },
      ],
      T0 + 2,
    );
    await store.insertRuns(
      database.db,
      [{ jobKey: 'job:default/a', tick: T0, status: 'queued', trigger: 'manual', summary: 'second' }],
      T0 + 3,
    );
    const runs = await store.runs('job:default/a', 10);
    assert.deepEqual(
      runs.map((r) => [r.tick, r.status, r.trigger, r.summary, r.startedAt, r.finishedAt, r.attempt]),
      [
        [T0 + MIN, 'queued', 'catch-up', undefined, undefined, undefined, 1],
        [T0, 'missed', 'schedule', odd, undefined, T0 + 1, 1],
      ],
    );
    const owed = await store.owedAlerts(10);
    assert.deepEqual(
      owed.map((r) => r.tick),
      [T0],
      'the missed run owes its alert (alerted 0), the queued one none',
    );

    const queue = new RunnerStore(database);
    const payload = { text: odd, nested: { list: [1, null, true, 'x'] }, big: 2 ** 52 };
    const added = await queue.enqueue(
      [
        {
          kind: 'job',
          subject: 'job:default/a',
          dedupKey: `job:default/a@${T0}#0`,
          location: 'eu "west"',
          tags: ['a', 'b', 'a'],
          dueAt: T0,
          deadlineAt: T0 + MIN,
          timeoutMs: 30_000,
          secrets: ['API_KEY'],
          payload,
          maxLeaseLapses: 5,
        },
        {
          kind: 'job',
          subject: 'job:default/a',
          dedupKey: `job:default/a@${T0 + MIN}#0`,
          tags: [],
          dueAt: T0 + MIN,
          timeoutMs: 30_000,
          secrets: [],
          payload: null,
        },
      ],
      T0,
    );
    assert.equal(added, 2);
    assert.equal(
      await queue.enqueue(
        [
          {
            kind: 'job',
            subject: 's',
            dedupKey: `job:default/a@${T0}#0`,
            tags: [],
            dueAt: T0,
            timeoutMs: 1,
            secrets: [],
            payload: 1,
          },
        ],
        T0,
      ),
      0,
      'a dedup key that exists is skipped',
    );
    const rows = await database.db
      .selectFrom('work_runs')
      .select(['dedup_key', 'location', 'tags', 'due_ms', 'deadline_ms', 'secrets', 'payload', 'state', 'max_lapses'])
      .orderBy('due_ms')
      .execute();
    assert.deepEqual(
      rows.map((r) => ({
        ...r,
        due_ms: Number(r.due_ms),
        deadline_ms: r.deadline_ms === null ? null : Number(r.deadline_ms),
      })),
      [
        {
          dedup_key: `job:default/a@${T0}#0`,
          location: 'eu "west"',
          tags: '["a","b"]',
          due_ms: T0,
          deadline_ms: T0 + MIN,
          secrets: '["API_KEY"]',
          payload: JSON.stringify(payload),
          state: 'queued',
          max_lapses: 5,
        },
        {
          dedup_key: `job:default/a@${T0 + MIN}#0`,
          location: null,
          tags: '[]',
          due_ms: T0 + MIN,
          deadline_ms: null,
          secrets: '[]',
          payload: 'null',
          state: 'queued',
          max_lapses: 3,
        },
      ],
    );
    const tags = await database.db.selectFrom('work_run_tags').select('tag').orderBy('tag').execute();
    assert.deepEqual(
      tags.map((r) => r.tag),
      ['a', 'b'],
    );
  });

  if (dialect === 'postgres')
    test('a claim row another replica holds is skipped, not waited for; the others are claimed', async (t) => {
      const database = await openTestDatabase(t, dialect, { migrated: true });
      const store = new JobStore(database);
      await store.initStates(['job:default/a', 'job:default/b'], T0, T0);
      // Another replica's claim transaction holds row a (its own pool: a connection of its own).
      const won = await database.db.connection().execute(async (connection) => {
        await sql`begin`.execute(connection);
        await sql`select job_key from job_state where job_key = 'job:default/a' for update`.execute(connection);
        try {
          return await store.claimAll(
            [
              { key: 'job:default/a', expectedLast: T0, newLast: T0 + MIN },
              { key: 'job:default/b', expectedLast: T0, newLast: T0 + MIN },
            ],
            T0 + MIN,
            async () => {},
          );
        } finally {
          await sql`rollback`.execute(connection);
        }
      });
      assert.deepEqual([...won], ['job:default/b']);
      assert.deepEqual(await lastTicks(store, ['job:default/a', 'job:default/b']), {
        'job:default/a': T0,
        'job:default/b': T0 + MIN,
      });
    });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { reusingStatements } from './connect.ts';

describe('reusingStatements', () => {
  test('the same SQL text is prepared once and its statement reused, with fresh results each run', () => {
    const connection = new SQLite(':memory:');
    const db = reusingStatements(connection);
    db.prepare('create table t (n integer)').run([]);
    const insert = db.prepare('insert into t (n) values (?)');
    assert.equal(db.prepare('insert into t (n) values (?)'), insert);
    insert.run([1]);
    db.prepare('insert into t (n) values (?)').run([2]);
    assert.deepEqual(db.prepare('select n from t order by n').all([]), [{ n: 1 }, { n: 2 }]);
    db.prepare('insert into t (n) values (?)').run([3]);
    assert.deepEqual(db.prepare('select n from t order by n').all([]), [{ n: 1 }, { n: 2 }, { n: 3 }]);
    db.close();
  });

  test('a kept statement still works after the schema changes under it', () => {
    const db = reusingStatements(new SQLite(':memory:'));
    db.prepare('create table t (n integer)').run([]);
    db.prepare('insert into t (n) values (?)').run([1]);
    assert.deepEqual(db.prepare('select * from t').all([]), [{ n: 1 }]);
    db.prepare('alter table t add column m integer').run([]);
    assert.deepEqual(db.prepare('select * from t').all([]), [{ n: 1, m: null }]);
    db.close();
  });

  test('only the most recently used 1,000 texts are kept', () => {
    const db = reusingStatements(new SQLite(':memory:'));
    const first = db.prepare('select 0');
    for (let i = 1; i <= 1000; i++) db.prepare(`select ${i}`);
    assert.notEqual(db.prepare('select 0'), first, 'evicted, prepared again');
    const recent = db.prepare('select 1000');
    assert.equal(db.prepare('select 1000'), recent);
    db.close();
  });
});

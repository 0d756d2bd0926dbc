import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServiceDefinitions } from './service-entities.ts';

const defs = (...services: string[]) => ({ services: new Set(services) });

test('read once; has() answers from the read, undefined before it and after a clear', async () => {
  let reads = 0;
  const definitions = new ServiceDefinitions(async () => {
    reads++;
    return defs('component:default/a');
  });
  assert.equal(definitions.has('component:default/a'), undefined);
  await Promise.all([definitions.get(), definitions.get()]);
  assert.equal(reads, 1);
  assert.equal(definitions.has('component:default/a'), true);
  assert.equal(definitions.has('component:default/b'), false);
  definitions.clear();
  assert.equal(definitions.has('component:default/a'), undefined);
  await definitions.get();
  assert.equal(reads, 2);
});

test('a read outdated by a clear while it ran is not kept; a failed read is tried again', async () => {
  let release: () => void = () => undefined;
  let fail = false;
  const definitions = new ServiceDefinitions(
    () =>
      new Promise<{ services: Set<string> }>((resolve, reject) => {
        if (fail) reject(new Error('database away'));
        else release = () => resolve(defs('component:default/old'));
      }),
  );
  const outdated = definitions.get();
  definitions.clear();
  release();
  await outdated;
  assert.equal(definitions.has('component:default/old'), undefined, 'the outdated read sets nothing');
  fail = true;
  await assert.rejects(definitions.get(), /database away/);
  fail = false;
  const next = definitions.get();
  release();
  assert.equal((await next).services.has('component:default/old'), true, 'read again after the failure');
});

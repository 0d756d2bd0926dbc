import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { main } from '../src/main.ts';
import type { CommandIO } from '../src/cli/io.ts';
import { tempCatalog, tempDir } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

/** Values that only a flag's targeting holds: none may reach a reader without a token. */
const TARGETING = /user-4242|tenant-7781|10\.9\.8\.7|payload-5150/;

const catalog = tempCatalog({
  'catalog-info.yaml': `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
spec: { type: service, lifecycle: production, owner: payments }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments
spec: { type: team, children: [] }
---
apiVersion: atrium.dev/v1
kind: Flag
metadata:
  name: beta-checkout
spec:
  owner: payments
  service: checkout
  type: release
  strategies:
    - name: flexibleRollout
      parameters: { rollout: "30", stickiness: userId, groupId: beta-checkout }
      constraints:
        - { contextName: tenant, operator: IN, values: [tenant-7781] }
    - name: userWithId
      parameters: { userIds: "user-4242" }
    - name: remoteAddress
      parameters: { IPs: "10.9.8.7" }
  variants:
    - { name: wide, weight: 1000, payload: { type: string, value: payload-5150 } }
  environments:
    production: { enabled: true }
    staging: { enabled: true, strategies: [{ name: userWithId, parameters: { userIds: "user-4242" } }] }
`,
});
after(() => catalog.cleanup());

describeEachDatabase('reads without a token', (dialect) => {
  const fixture = useTestServer(dialect, { catalog: catalog.dir, listen: true });
  const FLAG_API = '/api/v1/entities/flag/default/beta-checkout';
  const get = (path: string, token?: string) =>
    fetch(`${fixture.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  test("a flag's targeting is left out of its page and its descriptor, and a token's scope shows it", async () => {
    const { server } = fixture;
    const sdk = (await server.tokens.create('sdk-staging', ['flags:read'], null, 'staging')).token;
    const switcher = (await server.tokens.create('flag-switcher', ['flags:write'], null)).token;
    const deployer = (await server.tokens.create('deployer', ['deployments:write'], null)).token;

    const page = await (await get('/catalog/default/flag/beta-checkout/')).text();
    assert.doesNotMatch(page, TARGETING);
    assert.match(page, /flexibleRollout 30% with 1 constraint/);
    assert.match(
      page,
      /Targeting details \(constraint values, user ids, segments, variant payloads\) are not shown here/,
    );

    // Twice: the second is the listener's cached answer, which must be the public one too.
    for (let i = 0; i < 2; i++) {
      const anonymous = await get(FLAG_API);
      assert.equal(anonymous.status, 200);
      const text = await anonymous.text();
      assert.doesNotMatch(text, TARGETING);
      const body = JSON.parse(text) as { redacted?: boolean; entity: { spec: { strategies: unknown[] } } };
      assert.equal(body.redacted, true);
      assert.deepEqual(body.entity.spec.strategies[0], {
        name: 'flexibleRollout',
        parameters: { rollout: '30', stickiness: 'userId', groupId: 'beta-checkout' },
        constraints: [{ contextName: 'tenant', operator: 'IN' }],
      });
    }

    // A token after a cached anonymous answer: the whole descriptor, for either flag scope.
    for (const token of [sdk, switcher]) {
      const whole = await get(FLAG_API, token);
      assert.equal(whole.status, 200);
      const text = await whole.text();
      for (const value of ['user-4242', 'tenant-7781', '10.9.8.7', 'payload-5150'])
        assert.ok(text.includes(value), value);
      assert.equal((JSON.parse(text) as { redacted?: boolean }).redacted, undefined);
    }
    assert.equal((await get(FLAG_API, deployer)).status, 403, 'a token without a flag scope is refused, not ignored');
    assert.equal((await get(FLAG_API, 'atrium_nothing')).status, 401);
    // Other kinds are not confidential: a token changes nothing there.
    assert.equal((await get('/api/v1/entities/component/default/checkout', deployer)).status, 200);
  });

  test('timelines and switches say "a token", not its name, unless the reader holds a writing token', async () => {
    const { server } = fixture;
    const writer = await server.tokens.create('ci-hidden-name', ['deployments:write', 'flags:write'], null);
    const auth = { authorization: `Bearer ${writer.token}`, 'content-type': 'application/json' };
    const at = new Date(Date.now() - 60_000).toISOString();
    const recorded = await fetch(`${fixture.url}/api/v1/deployments`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        service: 'checkout',
        environment: 'production',
        version: '1.0.0',
        status: 'succeeded',
        startedAt: at,
        finishedAt: at,
      }),
    });
    assert.equal(recorded.status, 201, await recorded.clone().text());
    const switched = await fetch(`${fixture.url}/api/v1/flags/default/beta-checkout/environments/staging`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ enabled: false }),
    });
    assert.equal(switched.status, 200);

    for (const path of [
      '/api/v1/changes?entity=component:default/checkout',
      '/api/v1/changes?entity=flag:default/beta-checkout',
      '/api/v1/flags/default/beta-checkout',
      '/catalog/default/component/checkout/',
      '/catalog/default/component/checkout/changes/',
      '/catalog/default/flag/beta-checkout/',
      '/catalog/default/group/payments/',
    ]) {
      const res = await get(path);
      assert.equal(res.status, 200, path);
      assert.doesNotMatch(await res.text(), /ci-hidden-name/, path);
    }
    const timeline = (await (await get('/api/v1/changes?entity=component:default/checkout')).json()) as {
      items: { recordedBy: string; actor: string }[];
    };
    // The deployment and the flag's switch (the flag is the service's), neither named.
    assert.deepEqual(
      timeline.items.map((e) => [e.recordedBy, e.actor]),
      [
        ['a token', 'a token'],
        ['a token', 'a token'],
      ],
    );
    for (const path of ['/api/v1/changes?entity=component:default/checkout', '/api/v1/flags/default/beta-checkout'])
      assert.match(await (await get(path, writer.token)).text(), /ci-hidden-name/, path);
  });
});

test('a static export holds no flag targeting in any file', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'site');
  const io: CommandIO = { out: () => undefined, err: () => undefined, env: {}, cwd: dir };
  assert.equal(
    await main(['build', '--catalog', catalog.dir, '--database', join(dir, 'db.sqlite'), '--out', out], io),
    0,
  );
  const files = (function walk(d: string): string[] {
    return readdirSync(d).flatMap((name) =>
      statSync(join(d, name)).isDirectory() ? walk(join(d, name)) : [join(d, name)],
    );
  })(out);
  assert.ok(
    files.some((f) => f.includes('beta-checkout')),
    'the flag has a page',
  );
  for (const file of files) assert.doesNotMatch(readFileSync(file, 'latin1'), TARGETING, file);
});

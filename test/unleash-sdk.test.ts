import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { InMemStorageProvider, startUnleash, Unleash } from 'unleash-client';
import { main } from '../src/main.ts';
import { compileFeatureSet } from '../src/flags/compile.ts';
import { featureOf, type FlagSpec } from '../src/flags/flag-definition.ts';
import { component, group, location, tempCatalog, type TempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * The real Unleash Node SDK (`unleash-client`) against `atrium serve` over loopback HTTP:
 * it fetches the catalog's flags through the Unleash client API with an Atrium token,
 * evaluates them exactly as Atrium's engine does, and reports its evaluation counts back.
 */

/** Catalog tags of some flags: Unleash SDKs filter by them as `simple:<tag>`. */
const TAGS: Record<string, string[]> = { 'eu-only': ['payments', 'eu'], half: ['payments'], colors: ['web'] };

const flag = (name: string, spec: Record<string, unknown>) =>
  `apiVersion: atrium.dev/v1\nkind: Flag\nmetadata:\n  name: ${name}\n${TAGS[name] ? `  tags: ${JSON.stringify(TAGS[name])}\n` : ''}spec:\n${JSON.stringify({ owner: 'payments', service: 'shop', type: 'release', ...spec }).replace(/^/, '  ')}\n`;

const SPECS: Record<string, Record<string, unknown>> = {
  'always-on': { environments: { production: { enabled: true } } },
  'eu-only': {
    strategies: [
      {
        name: 'flexibleRollout',
        parameters: { rollout: '100', stickiness: 'default', groupId: 'eu-only' },
        constraints: [{ contextName: 'region', operator: 'IN', values: ['eu'] }],
      },
    ],
    environments: { production: { enabled: true } },
  },
  half: {
    strategies: [{ name: 'flexibleRollout', parameters: { rollout: '50', stickiness: 'userId', groupId: 'half' } }],
    environments: { production: { enabled: true } },
  },
  'staging-only': { environments: { production: { enabled: false }, staging: { enabled: true } } },
  gradual: {
    strategies: [{ name: 'flexibleRollout', parameters: { rollout: '30', stickiness: 'userId', groupId: 'gradual' } }],
    environments: { production: { enabled: true } },
  },
  'new-search': {
    releasePlan: {
      milestones: [
        {
          name: 'internal',
          strategies: [
            {
              name: 'default',
              constraints: [{ contextName: 'email', operator: 'STR_ENDS_WITH', values: ['@acme.example'] }],
            },
          ],
          after: '1h',
        },
        { name: 'everyone', strategies: [{ name: 'default' }] },
      ],
    },
    environments: { production: { enabled: false } },
  },
  colors: {
    variants: [
      { name: 'red', weight: 500, weightType: 'variable', stickiness: 'userId' },
      { name: 'blue', weight: 500, weightType: 'variable', stickiness: 'userId' },
    ],
    environments: { production: { enabled: true } },
  },
};

describeEachDatabase('Unleash SDK against atrium serve', (dialect) => {
  let catalog: TempCatalog;
  let unleash: Unleash | undefined;
  let clock = new Date();

  before(() => {
    catalog = tempCatalog({
      'catalog-info.yaml': location(['./org.yaml', './shop.yaml', './flags.yaml']),
      'org.yaml': group('payments'),
      'shop.yaml': component('shop', { owner: 'payments' }),
      'flags.yaml': Object.entries(SPECS)
        .map(([name, spec]) => flag(name, spec))
        .join('---\n'),
    });
  });
  // Declared before the server's: hooks run in order, and the SDK stops while the server is still up.
  after(() => {
    unleash?.destroy();
    catalog.cleanup();
  });
  const fixture = useTestServer(dialect, () => ({ catalog: catalog.dir, now: () => clock, listen: true }));
  before(() => assert.equal(fixture.synced?.errors, 0));

  test('the SDK syncs with an Atrium token and answers as the engine does; its metrics are stored', async () => {
    const { token } = await fixture.server.tokens.create('sdk-production', ['flags:read'], null);
    unleash = await startUnleash({
      url: `${fixture.url}/api/`,
      appName: 'checkout-web',
      customHeaders: { Authorization: token },
      refreshInterval: 3_600_000,
      metricsInterval: 3_600_000,
      storageProvider: new InMemStorageProvider(),
    });
    const features = Object.entries(SPECS).map(([name, spec]) =>
      featureOf(name, spec as unknown as FlagSpec, 'production'),
    );
    const { engine } = compileFeatureSet({ version: 2, features }, { hashing: 'node-sdk' });
    let checked = 0;
    for (let i = 0; i < 200; i++) {
      const context = { userId: `user-${i}`, properties: { region: i % 3 === 0 ? 'eu' : 'us' } };
      for (const name of Object.keys(SPECS)) {
        assert.equal(unleash.isEnabled(name, context), engine.isEnabled(name, context), `${name} for user-${i}`);
        checked++;
      }
      assert.equal(unleash.getVariant('colors', context).name, engine.getVariant('colors', context).name);
    }
    assert.equal(unleash.isEnabled('staging-only'), false, "off in the token's environment");
    assert.equal(unleash.isEnabled('always-on'), true);
    assert.equal(checked, 200 * Object.keys(SPECS).length);
    await unleash.flushMetrics();
    const counts = await fixture.server.flags.store.evaluations('always-on', '2000-01-01T00:00:00.000Z');
    assert.equal(counts.length, 1);
    assert.deepEqual(
      [counts[0]?.environment, counts[0]?.appName, counts[0]?.yes, counts[0]?.no],
      ['production', 'checkout-web', 201, 0],
    );
    const shown = (await (await fetch(`${fixture.url}/api/v1/flags/default/always-on`)).json()) as {
      environments: { environment: string; evaluations?: { yes: number; no: number } }[];
    };
    assert.deepEqual(shown.environments.find((e) => e.environment === 'production')?.evaluations, { yes: 201, no: 0 });
    const page = await (await fetch(`${fixture.url}/catalog/default/flag/always-on/`)).text();
    assert.match(page, /201 on, 0 off/);
  });

  test("a staging token gets staging's flags; the ETag answers 304 until the catalog changes", async () => {
    const { token } = await fixture.server.tokens.create('sdk-staging', ['flags:read'], null, 'staging');
    const get = (etag?: string) =>
      fetch(`${fixture.url}/api/client/features`, {
        headers: { authorization: token, ...(etag ? { 'if-none-match': etag } : {}) },
      });
    const first = await get();
    assert.equal(first.status, 200);
    const body = (await first.json()) as {
      version: number;
      features: { name: string; enabled: boolean }[];
      query: { environment: string };
    };
    assert.equal(body.version, 2);
    assert.equal(body.query.environment, 'staging');
    assert.deepEqual(
      body.features.map((f) => [f.name, f.enabled]),
      [
        ['always-on', false],
        ['colors', false],
        ['eu-only', false],
        ['gradual', false],
        ['half', false],
        ['new-search', false],
        ['staging-only', true],
      ],
    );
    const etag = first.headers.get('etag') ?? '';
    assert.match(etag, /^"[A-Za-z0-9_-]{27}"$/);
    assert.equal((await get(etag)).status, 304);
    catalog.write(
      'flags.yaml',
      Object.entries(SPECS)
        .map(([name, spec]) =>
          flag(name, name === 'half' ? { ...spec, environments: { staging: { enabled: true } } } : spec),
        )
        .join('---\n'),
    );
    await fixture.server.syncCatalog();
    const changed = await get(etag);
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get('etag'), etag);
  });

  test('an SDK configured with namePrefix, projectName or tags gets only those flags, each filter with its own ETag; a malformed filter is a 400', async () => {
    const { token } = await fixture.server.tokens.create('sdk-filters', ['flags:read'], null);
    const names = async (options: {
      namePrefix?: string;
      projectName?: string;
      tags?: { name: string; value: string }[];
    }) => {
      const sdk = new Unleash({
        url: `${fixture.url}/api/`,
        appName: 'filter-test',
        customHeaders: { Authorization: token },
        refreshInterval: 3_600_000,
        disableMetrics: true,
        storageProvider: new InMemStorageProvider(),
        skipInstanceCountWarning: true,
        ...options,
      });
      try {
        await once(sdk, 'synchronized');
        return sdk
          .getFeatureToggleDefinitions()
          .map((f) => f.name)
          .sort();
      } finally {
        sdk.destroy();
      }
    };
    const all = Object.keys(SPECS).sort();
    assert.deepEqual(await names({}), all);
    assert.deepEqual(await names({ namePrefix: 'ne' }), ['new-search']);
    assert.deepEqual(await names({ tags: [{ name: 'simple', value: 'payments' }] }), ['eu-only', 'half']);
    assert.deepEqual(
      await names({
        tags: [
          { name: 'simple', value: 'web' },
          { name: 'simple', value: 'eu' },
        ],
      }),
      ['colors', 'eu-only'],
    );
    assert.deepEqual(await names({ namePrefix: 'h', tags: [{ name: 'simple', value: 'payments' }] }), ['half']);
    assert.deepEqual(await names({ projectName: 'default' }), all);
    assert.deepEqual(await names({ projectName: 'checkout' }), [], 'every Atrium flag is in project default');

    // Over HTTP: the first answer is built by the route, the next ones come from the listener's cache; all agree.
    const get = (search: string, etag?: string) =>
      fetch(`${fixture.url}/api/client/features${search}`, {
        headers: { authorization: token, ...(etag ? { 'if-none-match': etag } : {}) },
      });
    const first = await get('?namePrefix=e&tag=simple%3Apayments');
    const body = await first.text();
    const etag = first.headers.get('etag') ?? '';
    assert.deepEqual(JSON.parse(body).query, {
      environment: 'production',
      namePrefix: 'e',
      tag: [['simple', 'payments']],
    });
    // Counted: the route asks the service for the document; the listener's fast path only peeks at its cache.
    const service = fixture.server.flags;
    const routeAnswer = service.clientFeatures.bind(service);
    let routed = 0;
    service.clientFeatures = (...args) => {
      routed++;
      return routeAnswer(...args);
    };
    let again: Response;
    try {
      again = await get('?tag=simple%3Apayments&namePrefix=e&inlineSegmentConstraints=true');
    } finally {
      service.clientFeatures = routeAnswer;
    }
    assert.equal(await again.text(), body, 'the same filter spelled differently, with a parameter Atrium ignores');
    assert.equal(again.headers.get('etag'), etag);
    assert.equal(routed, 0, 'answered by the fast path from the cached document');
    assert.equal((await get('?namePrefix=e&tag=simple%3Apayments', etag)).status, 304);
    assert.notEqual((await get('')).headers.get('etag'), etag, 'the unfiltered document has its own ETag');
    assert.equal((await get('?namePrefix=e', etag)).status, 200, 'another filter is another document');

    // A catalog change reaches filtered documents too (they are cached apart from the catalog's responses).
    const webFlags = async () =>
      ((await (await get('?tag=simple%3Aweb')).json()) as { features: { name: string }[] }).features.map((f) => f.name);
    assert.deepEqual(await webFlags(), ['colors']);
    const file = join(catalog.dir, 'flags.yaml');
    const written = readFileSync(file, 'utf8');
    try {
      catalog.write('flags.yaml', written.replace('name: always-on\n', 'name: always-on\n  tags: ["web"]\n'));
      await fixture.server.syncCatalog();
      assert.deepEqual(await webFlags(), ['always-on', 'colors']);
    } finally {
      catalog.write('flags.yaml', written);
      await fixture.server.syncCatalog();
    }

    // A raw "#" is a fragment, as the route reads the URL: the fast path must not take it as part of the value.
    await (await get(`?namePrefix=${encodeURIComponent('e#x')}`)).text(); // caches the "e#x" document
    const raw = await new Promise<string>((resolve, reject) => {
      const req = request(
        `${fixture.url}/api/client/features?namePrefix=e#x`,
        { headers: { authorization: token } },
        (res) => {
          let text = '';
          res
            .setEncoding('utf8')
            .on('data', (d: string) => (text += d))
            .on('end', () => resolve(text));
        },
      );
      req.path = '/api/client/features?namePrefix=e#x';
      req.on('error', reject).end();
    });
    assert.deepEqual(JSON.parse(raw).query, { environment: 'production', namePrefix: 'e' });

    // Each twice: a refusal is never cached, so the second goes through the fast path's check and the route again.
    for (const [search, pattern] of [
      ['?tag=payments', /not type:value/],
      ['?namePrefix=a%0Ab', /control characters/],
      [`?namePrefix=${'x'.repeat(300)}`, /255/],
      ['?namePrefix=e&namePrefix=', /more than once/],
    ] as const) {
      for (let i = 0; i < 2; i++) {
        const res = await get(search);
        assert.equal(res.status, 400, search);
        const problem = (await res.json()) as { code: string; detail: string; hint: string };
        assert.equal(problem.code, 'invalid-request');
        assert.match(problem.detail, pattern, search);
        assert.ok(problem.hint.length > 0);
      }
    }
  });

  test('tokens without flags:read, and hostile metrics, are refused; nothing is stored', async () => {
    const { token: writer } = await fixture.server.tokens.create('not-an-sdk', ['deployments:write'], null);
    assert.equal(
      (await fetch(`${fixture.url}/api/client/features`, { headers: { authorization: writer } })).status,
      403,
    );
    assert.equal((await fetch(`${fixture.url}/api/client/features`)).status, 401);
    const { token } = await fixture.server.tokens.create('sdk-hostile', ['flags:read'], null);
    const post = (body: string) =>
      fetch(`${fixture.url}/api/client/metrics`, {
        method: 'POST',
        headers: { authorization: token, 'content-type': 'application/json' },
        body,
      });
    const bucket = (toggles: unknown, start = '2026-01-01T00:00:00Z') =>
      JSON.stringify({ appName: 'x', bucket: { start, stop: start, toggles } });
    assert.equal((await post(bucket({ f: { yes: -1, no: 0 } }))).status, 400);
    assert.equal((await post(bucket({ f: { yes: 1, no: 0 } }, 'yesterday'))).status, 400);
    assert.equal((await post('{"appName":')).status, 400);
    assert.equal(
      (await post(bucket(Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`f${i}`, { yes: 1, no: 0 }])))))
        .status,
      400,
    );
    assert.equal((await post('x'.repeat(1024 * 1024 + 1))).status, 413);
    assert.deepEqual(await fixture.server.flags.store.evaluations('f', '2000-01-01T00:00:00.000Z'), []);
    assert.equal((await post(bucket({ f: { yes: 2, no: 3 } }))).status, 202);
    assert.equal((await post(bucket({ f: { yes: 1, no: 0 } }, '2026-01-01T00:30:00Z'))).status, 202);
    assert.deepEqual(
      (await fixture.server.flags.store.evaluations('f', '2000-01-01T00:00:00.000Z')).map((c) => [c.hour, c.yes, c.no]),
      [['2026-01-01T00:00:00.000Z', 3, 3]],
    );
  });
  test('a switch through the API is in force at the next fetch and on the timeline; the kill switch turns a flag off everywhere', async () => {
    const { token: ops } = await fixture.server.tokens.create('ops', ['flags:write'], null);
    const { token: sdkToken } = await fixture.server.tokens.create('sdk-switches', ['flags:read'], null);
    const put = (path: string, body: unknown, token = ops) =>
      fetch(`${fixture.url}/api/v1/flags/default/${path}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    // A new SDK instance fetches once when it starts: what it sees is what is in force now.
    const fresh = async () => {
      const sdk = new Unleash({
        url: `${fixture.url}/api/`,
        appName: 'switch-test',
        customHeaders: { Authorization: sdkToken },
        refreshInterval: 3_600_000,
        disableMetrics: true,
        storageProvider: new InMemStorageProvider(),
        skipInstanceCountWarning: true,
      });
      await once(sdk, 'synchronized');
      return sdk;
    };

    const on = await put('staging-only/environments/production', { enabled: true, reason: 'launch day' });
    assert.equal(on.status, 200);
    assert.deepEqual(await on.json(), {
      flag: 'flag:default/staging-only',
      environment: 'production',
      enabled: true,
      previous: false,
      changed: true,
    });
    const again = await put('staging-only/environments/production', { enabled: true });
    assert.equal(((await again.json()) as { changed: boolean }).changed, false);
    // Read with the switching token: without one, readers see "a token" (test/confidential-reads.test.ts).
    const asOps = { headers: { authorization: `Bearer ${ops}` } };
    const state = (await (await fetch(`${fixture.url}/api/v1/flags/default/staging-only`, asOps)).json()) as {
      environments: { environment: string; declared: boolean; enabled: boolean; setBy?: string }[];
    };
    assert.deepEqual(
      state.environments.map((e) => [e.environment, e.declared, e.enabled, e.setBy ?? null]),
      [
        ['production', false, true, 'ops'],
        ['staging', true, true, null],
      ],
    );
    const sdk = await fresh();
    try {
      assert.equal(sdk.isEnabled('staging-only'), true);
    } finally {
      sdk.destroy();
    }
    const timeline = (await (
      await fetch(`${fixture.url}/api/v1/changes?entity=component:default/shop&kind=feature-flag`, asOps)
    ).json()) as { items: { summary: string; recordedBy: string; service: string }[] };
    assert.deepEqual(
      timeline.items.map((i) => [i.summary, i.recordedBy, i.service]),
      [['Turned staging-only on in production (was off): launch day', 'ops', 'flag:default/staging-only']],
    );

    const killed = await fetch(`${fixture.url}/api/v1/flags/default/always-on/kill`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ops}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'errors spiking' }),
    });
    assert.equal(killed.status, 200);
    assert.deepEqual(
      ((await killed.json()) as { items: { environment: string; enabled: boolean }[] }).items.map((i) => [
        i.environment,
        i.enabled,
      ]),
      [['production', false]],
    );
    const after = await fresh();
    try {
      assert.equal(after.isEnabled('always-on'), false);
    } finally {
      after.destroy();
    }

    assert.equal((await put('always-on/environments/production', { enabled: true }, sdkToken)).status, 403);
    assert.equal((await put('ghost/environments/production', { enabled: true })).status, 404);
    assert.equal((await put('always-on/environments/..%2Fprod', { enabled: true })).status, 400);
    assert.equal((await put('always-on/environments/production', { enabled: 'yes' })).status, 400);
    assert.equal((await put('always-on/environments/production', { enabled: true, reason: 'a\nb' })).status, 400);
    assert.equal((await put('always-on/environments/production', { enabled: true, extra: 1 })).status, 400);
    assert.equal((await fetch(`${fixture.url}/api/v1/flags/default/ghost`)).status, 404);
    const list = (await (await fetch(`${fixture.url}/api/v1/flags?entity=group:default/payments`)).json()) as {
      items: {
        ref: string;
        type: string;
        environments: { environment: string; enabled: boolean }[];
        staleness: { stale: boolean; settled: string };
      }[];
    };
    assert.deepEqual(
      list.items.map((f) => f.ref),
      [
        'flag:default/always-on',
        'flag:default/colors',
        'flag:default/eu-only',
        'flag:default/gradual',
        'flag:default/half',
        'flag:default/new-search',
        'flag:default/staging-only',
      ],
    );
    assert.deepEqual(
      list.items[0]?.environments,
      [{ environment: 'production', enabled: false }],
      'the kill switch is in force',
    );
    assert.ok(
      list.items.every((f) => !f.staleness.stale),
      'nothing is 40 days old yet',
    );
    assert.equal((await fetch(`${fixture.url}/api/v1/flags?entity=`)).status, 400);
  });
  test('a switch whose audit event cannot be written is not made', async () => {
    // A trigger that refuses every change event stands in for a database failing mid-write.
    const refuse =
      dialect === 'sqlite'
        ? ["create trigger no_audit before insert on change_events begin select raise(abort, 'audit refused'); end"]
        : [
            "create function no_audit() returns trigger language plpgsql as $$ begin raise exception 'audit refused'; end $$",
            'create trigger no_audit before insert on change_events for each row execute function no_audit()',
          ];
    const allow =
      dialect === 'sqlite'
        ? ['drop trigger no_audit']
        : ['drop trigger no_audit on change_events', 'drop function no_audit()'];
    const statesOf = async () =>
      (await fixture.server.flags.store.states(['flag:default/staging-only'])).filter((st) => st.environment === 'qa');
    const who = { name: 'ops', scopes: ['flags:write'] };
    for (const statement of refuse) await sql.raw(statement).execute(fixture.database.db);
    try {
      await assert.rejects(
        fixture.server.flags.setEnabled('flag:default/staging-only', 'qa', true, who),
        /audit refused/,
      );
      await assert.rejects(
        fixture.server.flags.setRollout('flag:default/staging-only', 'qa', 40, who),
        /audit refused/,
      );
      assert.deepEqual(await statesOf(), [], 'no state without its audit event');
    } finally {
      for (const statement of allow) await sql.raw(statement).execute(fixture.database.db);
    }
    assert.equal((await fixture.server.flags.setEnabled('flag:default/staging-only', 'qa', true, who)).changed, true);
    assert.deepEqual(
      (await statesOf()).map((st) => [st.enabled, st.updatedBy]),
      [[true, 'ops']],
    );
  });

  test('atrium flags on, off and kill from the command line', async () => {
    const { token } = await fixture.server.tokens.create('ops-cli', ['flags:write'], null);
    const run = async (args: string[], env: NodeJS.ProcessEnv = { ATRIUM_URL: fixture.url, ATRIUM_TOKEN: token }) => {
      let out = '';
      let err = '';
      const code = await main(['flags', ...args], {
        out: (t) => void (out += t),
        err: (t) => void (err += t),
        env,
        cwd: process.cwd(),
      });
      return { code, out, err };
    };
    const off = await run(['off', 'eu-only', '--environment', 'production', '--reason', 'EU incident']);
    assert.equal(off.code, 0, off.err);
    assert.equal(off.out, 'flag:default/eu-only in production: on -> off\n');
    assert.equal(
      (await run(['off', 'default/eu-only', '--environment', 'production'])).out,
      'flag:default/eu-only in production: already off\n',
    );
    const kill = await run(['kill', 'colors', '--format', 'json']);
    assert.deepEqual(
      (JSON.parse(kill.out) as { environment: string; enabled: boolean }[]).map((s) => [s.environment, s.enabled]),
      [['production', false]],
    );
    assert.equal((await run(['kill', 'colors'])).out, 'Already off everywhere: nothing to kill.\n');
    assert.equal((await run(['on', 'ghost', '--environment', 'production'])).code, 65);
    for (const args of [
      [],
      ['flip', 'half'],
      ['on', 'half'],
      ['on'],
      ['on', '../x', '--environment', 'p'],
      ['kill', 'half', '--environment', 'production'],
    ]) {
      assert.equal((await run(args)).code, 64, args.join(' '));
    }
    assert.equal((await run(['on', 'half', '--environment', 'production'], { ATRIUM_URL: fixture.url })).code, 64);
  });
  test('a release plan starts on the first milestone, moves on after its set time (written down by the tick), and can be paused and rolled back', async () => {
    const { token: ops } = await fixture.server.tokens.create('ops-plan', ['flags:write'], null);
    const { token: sdkToken } = await fixture.server.tokens.create('sdk-plan', ['flags:read'], null);
    const plan = (action: string) =>
      fetch(`${fixture.url}/api/v1/flags/default/new-search/environments/production/release-plan`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ops}`, 'content-type': 'application/json' },
        body: JSON.stringify({ action }),
      });
    const evaluate = async (email: string) => {
      const sdk = new Unleash({
        url: `${fixture.url}/api/`,
        appName: 'plan-test',
        customHeaders: { Authorization: sdkToken },
        refreshInterval: 3_600_000,
        disableMetrics: true,
        storageProvider: new InMemStorageProvider(),
        skipInstanceCountWarning: true,
      });
      await once(sdk, 'synchronized');
      try {
        return sdk.isEnabled('new-search', { userId: 'u', properties: { email } });
      } finally {
        sdk.destroy();
      }
    };
    assert.equal((await plan('advance')).status, 409, 'not started');
    const started = await plan('start');
    assert.equal(started.status, 200);
    assert.deepEqual(
      (({ milestone, name, of, paused }) => ({ milestone, name, of, paused }))(
        (await started.json()) as { milestone: number; name: string; of: number; paused: boolean },
      ),
      { milestone: 0, name: 'internal', of: 2, paused: false },
    );
    assert.equal(await evaluate('jane@acme.example'), true, 'internal users first');
    assert.equal(await evaluate('someone@example.com'), false);
    clock = new Date(clock.getTime() + 61 * 60_000);
    assert.equal(await evaluate('someone@example.com'), true, 'an hour later, everyone');
    assert.equal(await fixture.server.flags.tick(), 1);
    assert.equal(await fixture.server.flags.tick(), 0, 'written down once');
    const timeline = (await (
      await fetch(`${fixture.url}/api/v1/changes?entity=flag:default/new-search`, {
        headers: { authorization: `Bearer ${ops}` },
      })
    ).json()) as {
      items: { summary: string; recordedBy: string }[];
    };
    assert.deepEqual(
      timeline.items.map((i) => [i.summary, i.recordedBy]),
      [
        ['Release plan of new-search in production moved on to "everyone" (2 of 2) after its set time', 'release-plan'],
        ['Release plan of new-search in production started at "internal" (1 of 2)', 'ops-plan'],
      ],
    );
    assert.equal((await plan('advance')).status, 409, 'at the last milestone');
    assert.equal(((await (await plan('rollback')).json()) as { name: string }).name, 'internal');
    assert.equal(await evaluate('someone@example.com'), false);
    assert.equal(((await (await plan('pause')).json()) as { paused: boolean }).paused, true);
    clock = new Date(clock.getTime() + 5 * 3_600_000);
    assert.equal(await evaluate('someone@example.com'), false, 'a paused plan does not move on');
    assert.equal((await plan('pause')).status, 409);
    assert.equal(((await (await plan('resume')).json()) as { name: string }).name, 'internal');
    assert.equal(
      (
        await fetch(`${fixture.url}/api/v1/flags/default/always-on/environments/production/release-plan`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ops}`, 'content-type': 'application/json' },
          body: JSON.stringify({ action: 'start' }),
        })
      ).status,
      409,
      'no plan declared',
    );
    const page = await (await fetch(`${fixture.url}/catalog/default/flag/new-search/`)).text();
    assert.match(page, /internal <span class="muted">\(1 of 2\)/);
    assert.match(page, /<input id="switch-action-advance" name="action" type="radio" value="advance" required>/);
    const fromPage = await fetch(`${fixture.url}/catalog/default/flag/new-search/switch/`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        environment: 'production',
        action: 'pause',
        token: ops,
        confirm: 'yes',
        reason: 'hold',
      }).toString(),
    });
    assert.equal(fromPage.status, 303);
    assert.equal(
      ((await (await plan('resume')).json()) as { name: string }).name,
      'internal',
      'paused from the page, resumed through the API',
    );
    let out = '';
    const io = {
      out: (t: string) => void (out += t),
      err: () => undefined,
      env: { ATRIUM_URL: fixture.url, ATRIUM_TOKEN: ops },
      cwd: process.cwd(),
    };
    assert.equal(
      await main(['flags', 'advance', 'new-search', '--environment', 'production', '--reason', 'looks good'], io),
      0,
    );
    assert.equal(out, 'new-search in production: "everyone" (2 of 2)\n');
    assert.equal(await main(['flags', 'advance', 'new-search'], io), 64);
  });
  test('the flag page switches with a flags:write token, a reason and a confirmation, and refuses in a page that says why', async () => {
    const { token: ops } = await fixture.server.tokens.create('ops-page', ['flags:write'], null);
    const { token: reader } = await fixture.server.tokens.create('reader-page', ['flags:read'], null);
    const page = await (await fetch(`${fixture.url}/catalog/default/flag/eu-only/`)).text();
    assert.match(
      page,
      /<form class="switch-form" id="switch-form" method="post" action="\/catalog\/default\/flag\/eu-only\/switch\/">/,
    );
    const form = page.slice(page.indexOf('id="switch-form"'), page.indexOf('id="kill-form"'));
    assert.match(form, /<option value="" selected>Choose an environment<\/option>/, 'no environment chosen for you');
    assert.doesNotMatch(form, /value="\*"/, 'every environment is not an option of the one-environment form');
    assert.doesNotMatch(form, / checked/, 'no change chosen for you');
    assert.match(form, /<input id="switch-action-off" name="action" type="radio" value="off" required>/);
    assert.match(form, /<input id="switch-reason" name="reason" type="text" required maxlength="500"/);
    assert.match(page, /<input id="kill-every" name="every" type="checkbox" value="yes" required>/);
    const submit = (fields: Record<string, string>) =>
      fetch(`${fixture.url}/catalog/default/flag/eu-only/switch/`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });
    const refused = async (fields: Record<string, string>, status: number, text: RegExp) => {
      const res = await submit(fields);
      assert.equal(res.status, status, JSON.stringify(fields));
      const html = await res.text();
      assert.match(html, /<h1>The switch was not made<\/h1>/);
      assert.match(html, text);
      assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    };
    const reason = 'checkout errors at 02:14';
    await refused({ environment: 'production', action: 'on', token: ops, reason }, 400, /not confirmed/);
    await refused({ environment: 'production', action: 'on', token: ops, confirm: 'yes' }, 400, /Give a reason/);
    await refused(
      { environment: 'production', action: 'on', token: ops, confirm: 'yes', reason: 'x'.repeat(501) },
      400,
      /Give a reason/,
    );
    await refused(
      { environment: 'production', action: 'on', token: ops, confirm: 'yes', reason: 'two\nlines' },
      400,
      /Give a reason/,
    );
    await refused(
      { environment: 'production', action: 'on', token: 'nope', confirm: 'yes', reason },
      401,
      /not one this Atrium issued/,
    );
    await refused(
      { environment: 'production', action: 'on', token: reader, confirm: 'yes', reason },
      403,
      /needs flags:write/,
    );
    await refused({ environment: '*', action: 'off', token: ops, confirm: 'yes', reason }, 400, /is the kill switch/);
    await refused({ environment: '', action: 'off', token: ops, confirm: 'yes', reason }, 400, /Choose an environment/);
    await refused({ action: 'off', token: ops, confirm: 'yes', reason }, 400, /Choose an environment/);
    await refused({ environment: 'production', token: ops, confirm: 'yes', reason }, 400, /Choose what to change/);
    await refused({ environment: '<script>', action: 'on', token: ops, confirm: 'yes', reason }, 400, /&lt;script&gt;/);
    await refused(
      { environment: 'production', action: 'explode', token: ops, confirm: 'yes', reason },
      400,
      /Choose what to change/,
    );
    await refused(
      { environment: 'production', action: 'rollout', percent: '250', token: ops, confirm: 'yes', reason },
      400,
      /0 to 100/,
    );
    await refused(
      { environment: 'production', action: 'advance', token: ops, confirm: 'yes', reason },
      409,
      /no release plan/,
    );
    const rollout = await submit({
      environment: 'production',
      action: 'rollout',
      percent: '40',
      token: ops,
      confirm: 'yes',
      reason,
    });
    assert.equal(rollout.status, 303);
    assert.equal(
      rollout.headers.get('location'),
      '/catalog/default/flag/eu-only/switch/?environment=production&action=rollout&percent=40#switches',
      'the last choice comes back in the address',
    );
    // Without any script: the switch page renders that choice chosen, and nothing destructive.
    const landed = await (await fetch(`${fixture.url}${rollout.headers.get('location')}`)).text();
    const again = landed.slice(landed.indexOf('id="switch-form"'), landed.indexOf('id="kill-form"'));
    assert.match(landed, /<h1>Switch [^<]+<\/h1>/);
    assert.match(
      landed,
      /role="status">Changed in <strong>production<\/strong>: Set the rollout to the percentage below \(40%\)/,
    );
    assert.match(again, /<option value="production" selected>production<\/option>/);
    assert.match(again, /<option value="">Choose an environment<\/option>/);
    assert.match(
      again,
      /<input id="switch-action-rollout" name="action" type="radio" value="rollout" required checked>/,
    );
    assert.equal(again.match(/ checked/g)?.length, 1, 'one change chosen');
    assert.match(again, /name="percent" type="number" min="0" max="100" step="1" inputmode="numeric" value="40">/);
    assert.match(
      again,
      /<input id="switch-reason" name="reason" type="text" required maxlength="500" autocomplete="off">/,
    );
    assert.match(
      again,
      /<input id="switch-confirm" name="confirm" type="checkbox" value="yes" required>/,
      'not confirmed',
    );
    assert.match(
      landed,
      /<input id="kill-every" name="every" type="checkbox" value="yes" required>/,
      'the kill switch unticked',
    );
    // Only choices the form offers are taken from the address; anything else is left unchosen.
    const odd = await (
      await fetch(
        `${fixture.url}/catalog/default/flag/eu-only/switch/?environment=%3Cscript%3E&action=kill&percent=250`,
      )
    ).text();
    const oddForm = odd.slice(odd.indexOf('id="switch-form"'), odd.indexOf('id="kill-form"'));
    assert.doesNotMatch(oddForm, / checked| selected>[^C]|value="250"/);
    assert.doesNotMatch(odd, /role="status">Changed/);
    assert.equal((await fetch(`${fixture.url}/catalog/default/component/shop/switch/`)).status, 404);
    assert.equal(
      (
        (await (await fetch(`${fixture.url}/api/v1/flags/default/eu-only`)).json()) as {
          environments: { environment: string; rollout?: number }[];
        }
      ).environments.find((e) => e.environment === 'production')?.rollout,
      40,
    );
    const on = await submit({ environment: 'staging', action: 'on', token: ops, confirm: 'yes', reason: '<b>why</b>' });
    assert.equal(on.status, 303);
    assert.equal(
      on.headers.get('location'),
      '/catalog/default/flag/eu-only/switch/?environment=staging&action=on#switches',
    );
    const state = (await (
      await fetch(`${fixture.url}/api/v1/flags/default/eu-only`, { headers: { authorization: `Bearer ${ops}` } })
    ).json()) as {
      environments: { environment: string; enabled: boolean; setBy?: string }[];
    };
    assert.deepEqual(
      state.environments.find((e) => e.environment === 'staging'),
      { ...state.environments.find((e) => e.environment === 'staging'), enabled: true, setBy: 'ops-page' },
    );
    const withReason = await (await fetch(`${fixture.url}/catalog/default/flag/eu-only/`)).text();
    assert.match(withReason, /in staging \(was off\): &lt;b&gt;why&lt;\/b&gt;/, 'the reason is stored with the switch');
    await refused({ action: 'kill', token: ops, reason }, 400, /kill switch was not confirmed/);
    await refused({ action: 'kill', token: ops, every: 'yes' }, 400, /Give a reason/);
    await refused({ action: 'kill', token: reader, every: 'yes', reason }, 403, /needs flags:write/);
    const killed = await submit({ action: 'kill', token: ops, every: 'yes', reason: 'incident 4711' });
    assert.equal(killed.status, 303);
    assert.equal(
      killed.headers.get('location'),
      '/catalog/default/flag/eu-only/#switches',
      'nothing chosen after a kill',
    );
    const after = (await (await fetch(`${fixture.url}/api/v1/flags/default/eu-only`)).json()) as {
      environments: { enabled: boolean }[];
    };
    assert.ok(
      after.environments.every((e) => !e.enabled),
      'the kill switch turned it off everywhere',
    );
    assert.match(await (await fetch(`${fixture.url}/catalog/default/flag/eu-only/`)).text(), /: incident 4711/);
  });
  test("a rollout percentage set at run time replaces every gradual rollout's, and back", async () => {
    const { token: ops } = await fixture.server.tokens.create('ops-rollout', ['flags:write'], null);
    const { token: sdkToken } = await fixture.server.tokens.create('sdk-rollout', ['flags:read'], null);
    const rollout = async (percent: number | null) =>
      (
        await fetch(`${fixture.url}/api/v1/flags/default/gradual/environments/production/rollout`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${ops}`, 'content-type': 'application/json' },
          body: JSON.stringify({ percent }),
        })
      ).json();
    const onFor = async () => {
      const sdk = new Unleash({
        url: `${fixture.url}/api/`,
        appName: 'rollout-test',
        customHeaders: { Authorization: sdkToken },
        refreshInterval: 3_600_000,
        disableMetrics: true,
        storageProvider: new InMemStorageProvider(),
        skipInstanceCountWarning: true,
      });
      await once(sdk, 'synchronized');
      try {
        return Array.from({ length: 100 }, (_, i) => sdk.isEnabled('gradual', { userId: `user-${i}` }));
      } finally {
        sdk.destroy();
      }
    };
    const declared = compileFeatureSet(
      { version: 2, features: [featureOf('gradual', SPECS.gradual as unknown as FlagSpec, 'production')] },
      { hashing: 'node-sdk' },
    ).engine;
    const expected = Array.from({ length: 100 }, (_, i) => declared.isEnabled('gradual', { userId: `user-${i}` }));
    assert.deepEqual(await onFor(), expected);
    assert.deepEqual(await rollout(0), {
      flag: 'flag:default/gradual',
      environment: 'production',
      rollout: 0,
      previous: null,
      changed: true,
    });
    assert.ok((await onFor()).every((on) => !on));
    await rollout(100);
    assert.ok((await onFor()).every((on) => on));
    assert.equal(((await rollout(100)) as { changed: boolean }).changed, false);
    await rollout(null);
    assert.deepEqual(await onFor(), expected, "back to the strategies' own 30%");
    const timeline = (await (await fetch(`${fixture.url}/api/v1/changes?entity=flag:default/gradual`)).json()) as {
      items: { summary: string }[];
    };
    assert.deepEqual(
      timeline.items.map((i) => i.summary),
      [
        "Rollout of gradual in production set to the strategies' own (was 100%)",
        'Rollout of gradual in production set to 100% (was 0%)',
        "Rollout of gradual in production set to 0% (was the strategies' own)",
      ],
    );
    let out = '';
    const io = {
      out: (t: string) => void (out += t),
      err: () => undefined,
      env: { ATRIUM_URL: fixture.url, ATRIUM_TOKEN: ops },
      cwd: process.cwd(),
    };
    assert.equal(await main(['flags', 'rollout', 'gradual', '--environment', 'production', '--percent', '25'], io), 0);
    assert.equal(out, 'flag:default/gradual in production: rollout 25%\n');
    for (const percent of ['101', '-1', 'half'])
      assert.equal(
        await main(['flags', 'rollout', 'gradual', '--environment', 'production', '--percent', percent], io),
        64,
      );
    const bad = await fetch(`${fixture.url}/api/v1/flags/default/gradual/environments/production/rollout`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ops}`, 'content-type': 'application/json' },
      body: JSON.stringify({ percent: 150 }),
    });
    assert.equal(bad.status, 400);
  });
});

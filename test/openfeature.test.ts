import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { connect } from 'node:net';
import { AtriumProvider } from 'atrium/openfeature';
import { clientFeaturesFastPath, ofrepFastPath } from '../src/flags/routes.ts';
import { component, group, location, tempCatalog, type TempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * OpenFeature end to end: OFREP over loopback HTTP, and the real `@openfeature/server-sdk`
 * with Atrium's in-process provider (a snapshot kept fresh by ETag), against `atrium serve`.
 */

const flag = (name: string, spec: Record<string, unknown>) =>
  `apiVersion: atrium.dev/v1\nkind: Flag\nmetadata:\n  name: ${name}\nspec:\n  ${JSON.stringify({ owner: 'payments', service: 'shop', type: 'release', ...spec })}\n`;

describeEachDatabase('OpenFeature against atrium serve', (dialect) => {
  let catalog: TempCatalog;
  let token = '';

  before(() => {
    catalog = tempCatalog({
      'catalog-info.yaml': location(['./org.yaml', './shop.yaml', './flags.yaml']),
      'org.yaml': group('payments'),
      'shop.yaml': component('shop', { owner: 'payments' }),
      'flags.yaml': [
        flag('eu-checkout', {
          strategies: [{ name: 'default', constraints: [{ contextName: 'region', operator: 'IN', values: ['eu'] }] }],
          environments: { production: { enabled: true } },
        }),
        flag('price', {
          variants: [
            {
              name: 'discount',
              weight: 1000,
              weightType: 'variable',
              stickiness: 'default',
              payload: { type: 'number', value: '15' },
            },
          ],
          environments: { production: { enabled: true } },
        }),
        flag('layout', {
          variants: [
            {
              name: 'grid',
              weight: 1000,
              weightType: 'variable',
              stickiness: 'default',
              payload: { type: 'json', value: '{"columns":3}' },
            },
          ],
          environments: { production: { enabled: true } },
        }),
        flag('dark-launch', { environments: { production: { enabled: false } } }),
      ].join('---\n'),
    });
  });
  // Declared before the server's: hooks run in order, and the SDK closes while the server is still up.
  after(async () => {
    await OpenFeature.close();
    catalog.cleanup();
  });
  const fixture = useTestServer(dialect, () => ({ catalog: catalog.dir, listen: true }));
  before(async () => {
    token = (await fixture.server.tokens.create(`sdk-${dialect}`, ['flags:read'], null)).token;
  });

  const ofrep = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${fixture.url}/ofrep/v1/evaluate/flags${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  test('OFREP evaluates one flag or all, with reasons, variants and an ETag; errors in its own shape', async () => {
    assert.deepEqual(await (await ofrep('/eu-checkout', { context: { targetingKey: 'u1', region: 'eu' } })).json(), {
      key: 'eu-checkout',
      value: true,
      reason: 'TARGETING_MATCH',
    });
    assert.deepEqual(await (await ofrep('/eu-checkout', { context: { targetingKey: 'u1', region: 'us' } })).json(), {
      key: 'eu-checkout',
      value: false,
      reason: 'DEFAULT',
    });
    assert.deepEqual(await (await ofrep('/dark-launch', { context: {} })).json(), {
      key: 'dark-launch',
      value: false,
      reason: 'DISABLED',
    });
    const missing = await ofrep('/ghost', { context: {} });
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { errorCode: string }).errorCode, 'FLAG_NOT_FOUND');
    const invalid = await ofrep('/price', { context: { nested: { a: 1 } } });
    assert.equal(invalid.status, 400);
    assert.equal(((await invalid.json()) as { errorCode: string }).errorCode, 'INVALID_CONTEXT');
    const bulk = await ofrep('', { context: { targetingKey: 'u1', region: 'eu' } });
    const flags = ((await bulk.json()) as { flags: { key: string; value: boolean; variant?: string }[] }).flags;
    assert.deepEqual(
      flags.map((f) => [f.key, f.value, f.variant ?? null]),
      [
        ['dark-launch', false, null],
        ['eu-checkout', true, null],
        ['layout', true, 'grid'],
        ['price', true, 'discount'],
      ],
    );
    const etag = bulk.headers.get('etag') ?? '';
    assert.equal((await ofrep('', { context: {} }, { 'if-none-match': etag })).status, 304);
    assert.equal(
      (
        await fetch(`${fixture.url}/ofrep/v1/evaluate/flags/price`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
      401,
    );
    assert.equal((await ofrep('/price', 'x'.repeat(300_000))).status, 413);
  });

  test('once a token is trusted, evaluations and features are answered from memory exactly as the routes answer them', async () => {
    const keys = ['eu-checkout', 'price', 'layout', 'dark-launch'];
    for (let i = 0; i < 24; i++) {
      const { token: fresh } = await fixture.server.tokens.create(`fresh-${dialect}-${i}`, ['flags:read'], null);
      const key = keys[i % keys.length] as string;
      const body = JSON.stringify({ context: { targetingKey: `user-${i}`, region: i % 3 ? 'eu' : 'us', plan: 'pro' } });
      const headers = { authorization: fresh, 'content-type': 'application/json; charset=utf-8' };
      const fast = ofrepFastPath(fixture.server.flags, fixture.server.tokens);
      assert.equal(
        fast(`/ofrep/v1/evaluate/flags/${key}`, headers),
        undefined,
        'a token never seen goes through the route',
      );
      const routed = await fetch(`${fixture.url}/ofrep/v1/evaluate/flags/${key}`, { method: 'POST', headers, body });
      const handler = fast(`/ofrep/v1/evaluate/flags/${key}`, headers);
      assert.ok(handler, 'verified a moment ago: answered from memory');
      assert.equal(handler.answer(Buffer.from(body))?.body.toString(), await routed.text());
      const again = await fetch(`${fixture.url}/ofrep/v1/evaluate/flags/${key}`, { method: 'POST', headers, body });
      assert.deepEqual(
        [again.status, again.headers.get('content-type'), again.headers.get('content-security-policy')],
        [routed.status, routed.headers.get('content-type'), routed.headers.get('content-security-policy')],
      );
    }
    const trusted = { authorization: token, 'content-type': 'application/json' };
    await ofrep('/price', { context: {} });
    const fast = ofrepFastPath(fixture.server.flags, fixture.server.tokens);
    for (const declined of [
      '/ofrep/v1/evaluate/flags/ghost',
      '/ofrep/v1/evaluate/flags/price/',
      '/ofrep/v1/evaluate/flags/%E0%A4%A',
      '/ofrep/v1/evaluate/flags',
    ])
      assert.equal(fast(declined, trusted), undefined, declined);
    assert.equal(fast('/ofrep/v1/evaluate/flags/price', { ...trusted, 'content-type': 'text/plain' }), undefined);
    const handler = fast('/ofrep/v1/evaluate/flags/price', trusted);
    for (const bad of ['{', '[]', '{"context":{"nested":{"a":1}}}', '{"context":"x"}'])
      assert.equal(handler?.answer(Buffer.from(bad)), undefined, `${bad} is the route's to refuse`);

    const features = clientFeaturesFastPath(fixture.server.flags, fixture.server.tokens);
    const polled = await fetch(`${fixture.url}/api/client/features`, { headers: { authorization: token } });
    const hit = features('/api/client/features', '', { authorization: token });
    assert.equal(hit?.body.toString(), await polled.text());
    assert.equal(hit?.headers?.etag, polled.headers.get('etag'));
    assert.equal(
      features('/api/client/features', '', { authorization: token, 'if-none-match': polled.headers.get('etag') ?? '' })
        ?.status,
      304,
    );
    assert.equal(features('/api/client/features', '', { authorization: 'atrium_nope' }), undefined);
  });

  test('the listener hands every body it will not answer to the route: malformed, unusable, chunked, too large, cut off', async () => {
    await ofrep('/price', { context: {} }); // the token is trusted from here on
    const raw = (body: string) =>
      fetch(`${fixture.url}/ofrep/v1/evaluate/flags/price`, {
        method: 'POST',
        headers: { authorization: token, 'content-type': 'application/json' },
        body,
      });
    const malformed = await raw('{"context":');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.headers.get('content-type'), 'application/problem+json');
    assert.equal(
      ((await (await raw('{"context":{"a":[1]}}')).json()) as { errorCode: string }).errorCode,
      'INVALID_CONTEXT',
    );
    assert.equal((await raw('x'.repeat(300_000))).status, 413);
    const notUtf8 = await fetch(`${fixture.url}/ofrep/v1/evaluate/flags/price`, {
      method: 'POST',
      headers: { authorization: token, 'content-type': 'application/json' },
      body: Buffer.concat([Buffer.from('{"context":{"targetingKey":"u'), Buffer.from([0xc3]), Buffer.from('"}}')]),
    });
    assert.equal(notUtf8.status, 400);
    assert.equal(((await notUtf8.json()) as { code: string }).code, 'body-not-utf8');
    const chunked = await fetch(`${fixture.url}/ofrep/v1/evaluate/flags/price`, {
      method: 'POST',
      headers: { authorization: token, 'content-type': 'application/json' },
      body: new ReadableStream({
        start: (c) => {
          c.enqueue(new TextEncoder().encode('{"context":{"targetingKey":"u1"}}'));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    assert.deepEqual(await chunked.json(), {
      key: 'price',
      value: true,
      reason: 'TARGETING_MATCH',
      variant: 'discount',
      metadata: { payloadType: 'number', payload: '15' },
    });

    // A client that declares a body and goes away halfway leaves the server as it was.
    const socket = connect(Number(new URL(fixture.url).port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      `POST /ofrep/v1/evaluate/flags/price HTTP/1.1\r\nHost: x\r\nAuthorization: ${token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"context":`,
    );
    socket.destroy();
    assert.equal((await raw('{"context":{}}')).status, 200);
  });

  test("the OpenFeature SDK with Atrium's provider answers every type, and follows a switch after a refresh", async () => {
    const provider = new AtriumProvider({ url: fixture.url, token, pollIntervalMs: 3_600_000 });
    await OpenFeature.setProviderAndWait(provider);
    const client = OpenFeature.getClient();
    assert.equal(await client.getBooleanValue('eu-checkout', false, { targetingKey: 'u1', region: 'eu' }), true);
    assert.equal(await client.getBooleanValue('eu-checkout', true, { targetingKey: 'u1', region: 'us' }), false);
    assert.equal(await client.getStringValue('price', 'none', { targetingKey: 'u1' }), 'discount');
    assert.equal(await client.getNumberValue('price', 0, { targetingKey: 'u1' }), 15);
    assert.deepEqual(await client.getObjectValue('layout', {}, { targetingKey: 'u1' }), { columns: 3 });
    const missing = await client.getBooleanDetails('ghost', true, {});
    assert.deepEqual([missing.value, missing.errorCode], [true, 'FLAG_NOT_FOUND']);
    const wrongType = await client.getNumberDetails('eu-checkout', 7, { region: 'eu' });
    assert.equal(wrongType.value, 7, 'a flag without a number payload gives the default');

    const { token: ops } = await fixture.server.tokens.create(`ops-${dialect}`, ['flags:write'], null);
    const put = await fetch(`${fixture.url}/api/v1/flags/default/dark-launch/environments/production`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ops}`, 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: true }),
    });
    assert.equal(put.status, 200);
    const changed = new Promise<void>((resolve) =>
      provider.events.addHandler(ProviderEvents.ConfigurationChanged, () => resolve()),
    );
    await provider.refresh();
    await changed;
    assert.equal(await client.getBooleanValue('dark-launch', false, {}), true);
    await provider.refresh(); // unchanged: a 304, and the snapshot stays
    assert.equal(await client.getBooleanValue('dark-launch', false, {}), true);
  });
});

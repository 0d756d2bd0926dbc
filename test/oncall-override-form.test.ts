import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { component, group, location, tempCatalog, type TempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { expectSafePage } from './support/safe-page.ts';
import { useTestServer } from './support/test-server.ts';

/** The override forms of the "On call now" card (live portal), on both databases, with a fixed clock. */

const user = (name: string, displayName: string) =>
  [
    'apiVersion: backstage.io/v1alpha1',
    'kind: User',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  profile:',
    `    displayName: ${displayName}`,
    '  memberOf: [checkout]',
    '',
  ].join('\n');

const ROTATION = [
  'apiVersion: atrium.dev/v1',
  'kind: Rotation',
  'metadata:',
  '  name: primary',
  'spec:',
  '  owner: group:checkout',
  '  level: 1',
  '  timeZone: Europe/Berlin',
  '  layers:',
  '    - name: daily',
  '      start: "2026-06-01T09:00"',
  '      turn: daily',
  '      participants: [ana, ben]',
  '',
].join('\n');

interface Override {
  id: number;
  user: string;
  from: string;
  until: string;
  reason: string;
  createdBy: string;
  removedBy?: string;
  removedReason?: string;
}

describeEachDatabase('on-call override form', (dialect) => {
  let catalog: TempCatalog;
  const clock = new Date('2026-06-01T12:00:00Z');
  let writer = '';
  let reader = '';

  before(() => {
    catalog = tempCatalog({
      'catalog-info.yaml': location(['./org.yaml', './services.yaml']),
      'org.yaml': [group('checkout'), user('ana', 'Ana Lima'), user('ben', 'Ben Okoro'), user('cy', 'Cy Park')].join(
        '---\n',
      ),
      'services.yaml': [ROTATION, component('shipment', { owner: 'checkout' })].join('---\n'),
    });
  });
  after(() => catalog.cleanup());
  const fixture = useTestServer(dialect, () => ({ catalog: catalog.dir, now: () => clock }));
  before(async () => {
    writer = (await fixture.server.tokens.create('form-user', ['oncall:write'], 86_400_000)).token;
    reader = (await fixture.server.tokens.create('deployer', ['deployments:write'], 86_400_000)).token;
  });

  const page = '/catalog/default/component/shipment/';
  const submit = (fields: Record<string, string>, path = `${page}oncall-override/`) =>
    fixture.server.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  const valid = (over: Record<string, string> = {}) => ({
    rotation: 'rotation:default/primary',
    user: 'cy',
    from: '2026-06-01T13:00',
    until: '2026-06-01T20:00',
    zone: 'Europe/Berlin',
    reason: 'Ana is at the dentist',
    token: writer,
    ...over,
  });
  const overrides = async (removed = false) => {
    const res = await fixture.server.app.request(
      `/api/v1/rotations/default/primary/overrides${removed ? '?removed=true' : ''}`,
    );
    return ((await res.json()) as { items: Override[] }).items;
  };
  const refused = async (res: Response, status: number, message: RegExp) => {
    assert.equal(res.status, status);
    const text = await expectSafePage(res, 'the override form refusal');
    assert.match(text, message);
    return text;
  };

  test('the live card has the form, in the rotation’s zone, with the token in a password field', async () => {
    const html = await expectSafePage(await fixture.server.app.request(page), 'the service page');
    assert.match(html, /<form method="post" action="oncall-override\/">/);
    assert.match(html, /name="rotation" value="rotation:default\/primary"/);
    assert.match(html, /name="from" type="datetime-local"/);
    assert.match(html, /name="zone" value="Europe\/Berlin"/);
    assert.match(html, /name="token" type="password"/);
    assert.doesNotMatch(html, /oncall-override\/remove\//, 'no overrides, no Remove buttons');
  });

  test('a wrong, missing or under-scoped token is refused with a clear message and writes nothing', async () => {
    await refused(await submit(valid({ token: 'atrium_forged' })), 401, /token/i);
    const { token: _, ...noToken } = valid();
    await refused(await submit(noToken), 401, /token/i);
    await refused(await submit(valid({ token: reader })), 403, /oncall:write/);
    assert.deepEqual(await overrides(), []);
  });

  test('malformed dates, hostile and oversized input are refused in the page, nothing written', async () => {
    await refused(await submit(valid({ from: '2026-02-30T10:00' })), 422, /from: must be a date and time/);
    await refused(await submit(valid({ until: 'tomorrow' })), 422, /until: must be a date and time/);
    await refused(await submit(valid({ until: '2026-06-01T12:00' })), 422, /until: must be after from/);
    await refused(await submit(valid({ zone: 'Mars/Olympus' })), 422, /zone: is not an IANA time zone/);
    await refused(await submit(valid({ user: 'ghost' })), 422, /user:default\/ghost is not a User/);
    await refused(await submit(valid({ rotation: 'rotation:default/other' })), 422, /rotation: is not one of/);
    const hostile = await refused(await submit(valid({ user: '<script>window.__xss=1</script>' })), 422, /user: /);
    assert.ok(hostile.includes('&lt;script&gt;'));
    await refused(
      await submit(valid({ reason: 'a\u0007<img src=x onerror=alert(1)>' })),
      422,
      /reason: must be one line/,
    );
    await refused(await submit(valid({ reason: 'r'.repeat(600) })), 422, /reason: /);
    assert.equal((await submit(valid({ reason: 'r'.repeat(20_000) }))).status, 413);
    await refused(
      await submit(valid(), '/catalog/default/component/nothing/oncall-override/'),
      404,
      /No on-call rotation covers/,
    );
    assert.deepEqual(await overrides(), []);
  });

  test('a valid form sets the override, audited, and the card shows it; Remove takes it away', async () => {
    const set = await submit(valid());
    assert.equal(set.status, 303);
    assert.equal(set.headers.get('location'), `${page}#oncall`);
    const [stored] = await overrides();
    assert.ok(stored);
    assert.equal(stored.user, 'user:default/cy');
    // 13:00 and 20:00 in Berlin (summer time, UTC+2).
    assert.equal(stored.from, '2026-06-01T11:00:00.000Z');
    assert.equal(stored.until, '2026-06-01T18:00:00.000Z');
    assert.equal(stored.createdBy, 'form-user');
    assert.equal(stored.reason, 'Ana is at the dentist');

    const card = await expectSafePage(await fixture.server.app.request(page), 'the service page with an override');
    assert.match(card, /Cy Park<\/a> <span class="badge badge-quiet">override<\/span>/);
    assert.match(
      card,
      new RegExp(`name="override" value="rotation:default/primary ${stored.id}"[^>]*>Remove</button>`),
    );

    await refused(
      await submit(
        { override: `rotation:default/primary ${stored.id}`, token: 'atrium_forged' },
        `${page}oncall-override/remove/`,
      ),
      401,
      /token/i,
    );
    await refused(
      await submit({ override: 'rotation:default/primary 99999', token: writer }, `${page}oncall-override/remove/`),
      404,
      /has no override 99999/,
    );
    await refused(
      await submit({ override: 'rotation:default/primary x<script>', token: writer }, `${page}oncall-override/remove/`),
      422,
      /override: names no override/,
    );
    assert.equal((await overrides()).length, 1);

    const removed = await submit(
      { override: `rotation:default/primary ${stored.id}`, reason: 'Ana is back', token: writer },
      `${page}oncall-override/remove/`,
    );
    assert.equal(removed.status, 303);
    assert.equal(removed.headers.get('location'), `${page}#oncall`);
    assert.deepEqual(await overrides(), []);
    const [record] = await overrides(true);
    assert.equal(record?.removedBy, 'form-user');
    assert.equal(record?.removedReason, 'Ana is back');
    const after = await (await fixture.server.app.request(page)).text();
    assert.doesNotMatch(after, /oncall-override\/remove\//);
    assert.doesNotMatch(after, /badge-quiet">override/);
  });
});

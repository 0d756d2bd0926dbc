import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { describeEachDatabase } from './support/databases.ts';
import { expectSafePage } from './support/safe-page.ts';
import { useTestServer } from './support/test-server.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/portal', import.meta.url));

describeEachDatabase('portal pages over HTTP', (dialect) => {
  const fixture = useTestServer(dialect, { catalog: FIXTURE });
  const get = (path: string, headers: Record<string, string> = {}) => fixture.server.app.request(path, { headers });
  const page = async (path: string, status = 200) => {
    const res = await get(path);
    assert.equal(res.status, status, `${path} answers ${status}`);
    return expectSafePage(res, path);
  };

  test('the home page puts a focused search first, then recent changes, health and teams', async () => {
    const html = await page('/');
    assert.match(html, /<input id="home-q" name="q" type="search" autofocus/);
    assert.ok(html.indexOf('home-q') < html.indexOf('Changed recently'));
    assert.match(html, /Catalog health/);
    assert.match(html, /href="\/catalog\/default\/group\/payments\/">Payments Team<\/a>/);
  });

  test('the catalog list filters by facets, sorts, pages, and says how many match', async () => {
    const all = await page('/catalog/?kind=all');
    assert.match(all, /<strong>1–15<\/strong> of <strong>15<\/strong> entities/);
    const components = await page('/catalog/?kind=component&sort=updated');
    assert.match(components, /of <strong>4<\/strong> entities/);
    assert.match(components, /aria-label="Remove filter Kind: component"/);
    assert.match(
      components,
      /href="\/catalog\/\?kind=component&amp;tag=java&amp;sort=updated"/,
      'facet links keep the other filters',
    );
    const tagged = await page('/catalog/?tag=java&owner=payments');
    assert.match(tagged, /of <strong>1<\/strong> entities/);
    const empty = await page('/catalog/?q=nothing-like-this');
    assert.match(empty, /No entities match/);
  });

  test('a flag page shows its service, owner and what each environment declares; the service lists its flags', async () => {
    const html = await page('/catalog/default/flag/instant-refunds/');
    assert.match(html, /<h1>Instant refunds<\/h1>/);
    assert.match(html, /href="\/catalog\/default\/component\/payment-service\/"/);
    assert.match(
      html,
      /<th scope="row">production<\/th><td><span class="badge badge-ok">on<\/span><\/td><td>the flag&#39;s own<\/td>/,
    );
    assert.match(
      html,
      /<th scope="row">staging<\/th><td><span class="badge badge-ok">on<\/span><\/td><td>default<\/td>/,
    );
    assert.match(html, /flexibleRollout 25% with 1 constraint/);
    assert.match(html, /<h2 id="switches">In force now<\/h2>/);
    assert.match(
      html,
      /<th scope="row">production<\/th><td><span class="badge badge-ok">on<\/span><\/td><td><span class="muted">—<\/span><\/td><td><span class="muted">the file<\/span>/,
    );
    assert.match(html, /POST \/api\/v1\/flags\/default\/instant-refunds\/kill/);
    assert.match(html, /<h2 id="changes">What changed<\/h2>/);
    const team = await page('/catalog/default/group/payments/');
    assert.match(team, /<h2 id="team-flags">Feature flags<\/h2>/);
    assert.match(team, /href="\/catalog\/default\/flag\/instant-refunds\/">Instant refunds<\/a>/);
    assert.match(team, /<td>production on · staging on<\/td>/, 'state per environment in words');
    assert.match(html, /&lt;svg onload=window.__xss=1&gt; \(weight 1000\)/);
    const service = await page('/catalog/default/component/payment-service/');
    assert.match(service, /<h2 id="flags">Feature flags<\/h2>/);
    assert.match(
      service,
      /href="\/catalog\/default\/flag\/instant-refunds\/">Instant refunds<\/a> <span class="flag-states">production on · staging on<\/span>/,
      "the service's flags say whether they are on, per environment",
    );
    assert.equal(service.match(/<h2 id="flags">/g)?.length, 1, 'one flags card');
  });

  test('malformed list parameters are ignored and named, never trusted', async () => {
    const html = await page(`/catalog/?page=-3&sort=%3Cscript%3E&kind=${'x'.repeat(1100)}`);
    assert.match(html, /Ignored malformed parameters: kind, sort, page/);
    assert.match(html, /of <strong>4<\/strong> entities/, 'a malformed kind leaves the default: components');
  });

  test('the catalog list shows components by default, with a way to every kind', async () => {
    const html = await page('/catalog/');
    assert.match(html, /of <strong>4<\/strong> entities/);
    assert.doesNotMatch(html, /href="\/catalog\/default\/user\/ada\/"/);
    assert.match(html, /<a href="\/catalog\/\?kind=all"><span>All kinds<\/span><\/a>/);
    assert.match(html, /aria-label="Remove filter Kind: component"/);
    const every = await page('/catalog/?kind=all');
    assert.match(every, /of <strong>15<\/strong> entities/);
    assert.match(every, /<a href="\/catalog\/\?kind=all" aria-current="true" class="selected"><span>All kinds/);
    assert.match(every, /href="\/catalog\/\?kind=user"/);
    assert.match(await page('/catalog/?kind=user'), /of <strong>1<\/strong> entities/, 'an explicit kind still works');
  });

  test('every tag is reachable from the list: the ones past the first twelve open in place', async () => {
    const html = await page('/catalog/');
    const more = /<details class="facet-more"><summary>and 2 more<\/summary><ul>(.*?)<\/ul>(.*?)<\/details>/s.exec(
      html,
    );
    assert.ok(more, 'the overflow is an expansion, not a sentence');
    assert.match(more[1] ?? '', /href="\/catalog\/\?kind=component&amp;tag=zz-archive"/);
    // The store lists a facet's hundred largest values: every one of them, however many, is on the facet's index.
    assert.match(more[2] ?? '', /<a href="\/browse\/tag\/">Every tag in the catalog<\/a>/);
    const index = await page('/browse/tag/');
    assert.match(index, /<h1>Every tag<\/h1>/);
    assert.equal((index.match(/<li><a href="\/catalog\/\?kind=all&amp;tag=/g) ?? []).length, 14);
    assert.match(index, /<a href="\/catalog\/\?kind=all&amp;tag=zz-archive">zz-archive<\/a> <span class="n">1<\/span>/);
    assert.match(
      await page('/browse/owner/'),
      /<a href="\/catalog\/\?kind=all&amp;owner=group%3Adefault%2Fpayments">payments<\/a>/,
    );
    await page('/browse/nope/', 404);
  });

  test('the list calls owners by their display name, in the rows and the owner facet', async () => {
    const html = await page('/catalog/');
    assert.match(html, /<td><a href="\/catalog\/default\/group\/payments\/">Payments Team<\/a><\/td>/);
    assert.match(html, /<span>Payments Team<\/span> <span class="n">/);
    assert.match(
      await page('/catalog/?owner=group:default/payments'),
      /aria-label="Remove filter Owner: group:default\/payments">Payments Team <span aria-hidden="true">/,
    );
    assert.match(await page('/catalog/?kind=all&owner=group:default/payments'), /<h1>Owner: Payments Team<\/h1>/);
  });

  test('people and teams are called by their display name in lists, member lists, pages and search', async () => {
    const users = await page('/catalog/?kind=user');
    assert.match(users, /href="\/catalog\/default\/user\/ada\/">Ada Lovelace<\/a>/);
    const team = await page('/catalog/default/group/payments/');
    assert.match(team, /href="\/catalog\/default\/user\/ada\/">Ada Lovelace<\/a>/, 'the member list');
    const person = await page('/catalog/default/user/ada/');
    assert.match(person, /<h1>Ada Lovelace<\/h1>/);
    assert.match(person, /<title>Ada Lovelace/);
    const found = await get('/api/v1/search?q=lovelace');
    assert.equal(found.status, 200);
    assert.match(await found.text(), /"title":"Ada Lovelace"/);
  });

  test('a component page leads with runbooks, on-call and owner contacts, then APIs and dependencies', async () => {
    const html = await page('/catalog/default/component/payment-service/');
    assert.match(html, /<h1>Payment Service<\/h1>/);
    assert.ok(html.indexOf('When it breaks') < html.indexOf('About'));
    assert.match(html, /href="\/catalog\/default\/component\/payment-service\/runbook\/">Runbook<\/a>/);
    assert.match(html, /https:\/\/oncall\.example\/payments/, "the owner's on-call when the service has none");
    assert.match(html, /mailto:payments@example\.com/);
    assert.match(html, /#payments/);
    assert.match(html, />Payments API<\/a>/);
    assert.match(html, />Fraud API<\/a>/);
    assert.match(html, />Payments database<\/a>/);
    assert.match(html, /href="\/catalog\/default\/domain\/commerce\/"/, 'the domain through the system');
    assert.match(html, /services\.yaml:1/);
    assert.match(html, /href="\/catalog\/default\/component\/payment-service\/docs\/">Read the documentation/);
    assert.match(html, /href="\/catalog\/default\/component\/payment-service\/graph\/"/);
  });

  test('any spelling of an entity page URL is sent to the one canonical URL', async () => {
    for (const path of [
      '/catalog/DEFAULT/Component/Payment-Service/',
      '/catalog/default/component/%70ayment-service/',
      '/catalog/Default/Component/Payment-Service/graph/?hops=3',
    ]) {
      const res = await get(path);
      assert.equal(res.status, 301, path);
      const location = res.headers.get('location') ?? '';
      assert.match(location, /^\/catalog\/default\/component\/payment-service\//);
      await page(location);
    }
  });

  test('an OpenAPI document is rendered with its operations, schemas, deprecations and sunset dates', async () => {
    const html = await page('/catalog/default/api/payments-api/');
    assert.match(html, /API reference/);
    assert.match(html, /\/charges\/\{id\}\/capture/);
    assert.match(html, /Deprecated/);
    assert.match(html, /datetime="2027-03-31"/);
    assert.match(html, /datetime="2027-01-01"/, 'a deprecated property shows its sunset too');
    assert.match(html, />Storefront<\/a>|>storefront<\/a>/, 'its consumers');
  });

  test('an API reference shows each component schema once, in its Schemas section, and every use links there', async () => {
    const html = await page('/catalog/default/api/payments-api/');
    assert.match(html, /<li><a href="#api-schemas">Schemas<\/a><\/li>/, 'the index reaches the schemas');
    assert.match(html, /<section class="api-schema" id="schema-Charge">/);
    assert.equal(html.split('<code class="property-name">currency</code>').length - 1, 1, 'Charge is shown once');
    assert.equal(
      html.match(/<p class="schema-head"><a class="schema-name" href="#schema-Charge">Charge<\/a>/g)?.length,
      2,
      'the request body and the response link to it',
    );
  });

  test('an API reference starts with an index of deep links, collapses operations by tag, and gives each a curl command', async () => {
    const html = await page('/catalog/default/api/payments-api/');
    const index = html.indexOf('<nav class="api-toc"');
    assert.ok(index > 0 && index < html.indexOf('<details class="api-group">'), 'the index comes first');
    const links = [...html.slice(index, html.indexOf('</nav>', index)).matchAll(/href="#(op-[^"]+)"/g)].map(
      (m) => m[1],
    );
    assert.ok(links.length > 0);
    for (const id of links) {
      assert.match(
        html,
        new RegExp(
          `<section class="api-operation[^"]*" id="${id}">\\n<h4 class="operation-title"><a class="heading-anchor" href="#${id}">`,
        ),
      );
    }
    assert.doesNotMatch(html, /<details class="api-group" open/);
    assert.equal(html.match(/<pre class="code" tabindex="0" data-copy/g)?.length, links.length, 'a curl command each');
    assert.match(html, /<code>curl -X (GET|POST|PUT|PATCH|DELETE) &#39;https?:\/\//);
  });

  test('other API types are shown as highlighted source', async () => {
    const html = await page('/catalog/default/api/fraud-api/');
    assert.match(html, /<pre class="code"[^>]*><code>.*tok-keyword/s);
  });

  test('group, user, system, domain, resource and location pages show what belongs to them', async () => {
    const groupPage = await page('/catalog/default/group/payments/');
    assert.match(groupPage, /Ada Lovelace|>ada<\/a>/);
    assert.match(groupPage, /Owns <span class="n">11<\/span>/);
    assert.match(groupPage, />engineering<\/a>/);
    const user = await page('/catalog/default/user/ada/');
    assert.match(user, /mailto:ada@example\.com/);
    assert.match(user, />Payments Team<\/a>/);
    const system = await page('/catalog/default/system/checkout/');
    assert.match(system, /Parts of this system/);
    assert.match(system, />Ledger<\/a>/);
    const domain = await page('/catalog/default/domain/commerce/');
    assert.match(domain, />Checkout<\/a>/);
    const resource = await page('/catalog/default/resource/payments-db/');
    assert.match(resource, /Depended on by <span class="n">1<\/span>/);
    const location = await page('/catalog/default/location/portal-fixture/');
    assert.match(location, /\.\/services\.yaml/);
  });

  test('docs render with a table of contents, highlighted code and working relative links', async () => {
    const html = await page('/catalog/default/component/payment-service/docs/');
    assert.match(html, /<h1[^>]*>Payment Service/);
    assert.match(html, /href="\/catalog\/default\/component\/payment-service\/docs\/guides\/deploy\/#rollback"/);
    assert.match(html, /On this page/);
    assert.match(html, /tok-comment/);
    const guide = await page('/catalog/default/component/payment-service/docs/guides/deploy/');
    assert.match(guide, /href="\/catalog\/default\/component\/payment-service\/docs\/"/);
  });

  test('a runbook renders from its file and is marked for offline reading', async () => {
    const html = await page('/catalog/default/component/payment-service/runbook/');
    assert.match(html, /Card payments fail/);
    assert.match(html, /<meta name="atrium-offline" content="priority">/);
  });

  test('the dependency graph is SVG with a text alternative, and hops are chosen by the URL', async () => {
    const html = await page('/catalog/default/component/ledger/graph/');
    assert.match(html, /<svg[^>]*role="group" aria-labelledby="[^"]+-title [^"]+-desc"/);
    assert.match(html, /Depended on by/);
    assert.match(html, />Payment Service<\/a>/);
    await page('/catalog/default/component/ledger/graph/?hops=3');
    await page('/catalog/default/component/ledger/graph/?hops=99', 404);
  });

  test('the problems page lists every warning with its file and line', async () => {
    const html = await page('/problems/');
    assert.match(html, /unsafe-link/);
    assert.match(html, /hostile\.yaml:10:12/);
    await page('/problems/?severity=error');
    await page('/problems/?severity=warning&page=7', 404);
    await page('/problems/page/99/', 404);
    await page('/catalog/?page=9', 404);
  });

  test('search ranks names first, over entities, docs and runbooks', async () => {
    const html = await page('/search/?q=payment');
    assert.ok(html.indexOf('Payment Service') < html.indexOf('Payments database'));
    const res = await get('/api/v1/search?q=rollback');
    assert.equal(res.status, 200);
    const { items } = (await res.json()) as { items: { type: string; path: string }[] };
    assert.ok(
      items.some(
        (i) => i.type === 'docs' && i.path === 'catalog/default/component/payment-service/docs/guides/deploy/',
      ),
    );
    const runbooks = (await (await get('/api/v1/search?q=refunds%20stuck')).json()) as { items: { type: string }[] };
    assert.equal(runbooks.items[0]?.type, 'runbook');
    const bad = await get(`/api/v1/search?q=${'x'.repeat(300)}`);
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get('content-type'), 'application/problem+json');
  });

  test('hostile catalog content is escaped everywhere it appears', async () => {
    for (const path of [
      '/catalog/default/component/hostile/',
      '/catalog/default/component/hostile/runbook/',
      '/catalog/?q=hostile',
      '/search/?q=hostile',
      '/',
      '/problems/',
      '/catalog/default/group/payments/',
    ]) {
      const html = await page(path);
      assert.ok(!html.includes('window.__xss = 3"'), 'the javascript: link is not offered');
    }
    const entity = await page('/catalog/default/component/hostile/');
    assert.match(entity, /&lt;script&gt;window.__xss = 1&lt;\/script&gt;Hostile/);
    const runbook = await page('/catalog/default/component/hostile/runbook/');
    assert.match(runbook, /&lt;img src=x onerror=/);
  });

  test('a page that does not exist is a 404 that offers search with the words of the path', async () => {
    const html = await page('/catalog/default/component/paymnet-servce/', 404);
    assert.match(html, /value="paymnet servce"/);
    await page('/nowhere/<script>/', 404);
    await page('/catalog/default/component/ledger/docs/', 404);
    const unknownApi = await get('/api/v1/nothing');
    assert.equal(unknownApi.headers.get('content-type'), 'application/problem+json');
  });

  test('a path without its trailing slash is redirected to the page', async () => {
    const res = await get('/catalog/default/component/ledger/graph?hops=3&utm=x');
    assert.equal(res.status, 301);
    assert.equal(
      res.headers.get('location'),
      '/catalog/default/component/ledger/graph/?hops=3',
      'keeps what the page reads, drops the rest',
    );
  });

  test('a path that would redirect to another host is a 404, not an open redirect', async () => {
    for (const path of [
      '//evil.example',
      '//evil.example/x',
      '/%2F%2Fevil.example',
      '/\\evil.example',
      '/catalog//x',
    ]) {
      const location = (await get(path)).headers.get('location');
      if (location !== null)
        assert.equal(new URL(location, 'http://atrium.test').host, 'atrium.test', `${path} redirects to ${location}`);
    }
  });

  test('assets are fingerprinted and immutable; the worker, manifest and offline list are not', async () => {
    const html = await page('/');
    const css = /href="(\/assets\/site\.[0-9a-f]{10}\.css)"/.exec(html)?.[1];
    const js = /src="(\/assets\/app\.[0-9a-f]{10}\.js)"/.exec(html)?.[1];
    assert.ok(css && js);
    const cssRes = await get(css);
    assert.equal(cssRes.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(cssRes.headers.get('content-type'), 'text/css; charset=utf-8');
    const sw = await get('/sw.js');
    assert.equal(sw.headers.get('cache-control'), 'no-cache');
    assert.match(sw.headers.get('content-security-policy') ?? '', /connect-src 'self'/);
    const manifest = (await (await get('/manifest.webmanifest')).json()) as {
      start_url: string;
      icons: { src: string }[];
    };
    assert.equal(manifest.start_url, './');
    assert.equal((await get(`/${manifest.icons[0]?.src}`)).status, 200);
    const offline = (await (await get('/offline.json')).json()) as { pages: string[]; assets: string[] };
    assert.ok(offline.pages.includes('catalog/default/component/payment-service/runbook/'));
    assert.ok(offline.pages.includes('offline/'), 'the offline page is saved ahead of any visit');
    assert.ok(offline.assets.every((a) => a.startsWith('assets/')));
  });

  test('the offline page is a portal page whose list of saved pages the page script fills', async () => {
    const html = await page('/offline/');
    assert.match(html, /<h1>This page is not saved on this device<\/h1>/);
    assert.match(html, /<div data-saved-pages>/);
    assert.match(html, /<link rel="stylesheet" href="\/assets\/site\.[0-9a-f]+\.css">/);
    assert.doesNotMatch(html, /<script>/, 'no inline script (the CSP forbids it)');
  });

  test('a rendered page is served from memory until the catalog changes, and 404s are never kept', async () => {
    const before = fixture.server.portal.renders;
    await page('/catalog/default/component/storefront/');
    await page('/catalog/default/component/storefront/');
    assert.equal(fixture.server.portal.renders - before, 1);
    assert.ok(fixture.server.portal.peek('/catalog/default/component/storefront/', ''));
    await page('/no-such-page/', 404);
    assert.equal(fixture.server.portal.peek('/no-such-page/', ''), undefined);
    fixture.server.catalog.invalidate();
    assert.equal(fixture.server.portal.peek('/catalog/default/component/storefront/', ''), undefined);
  });

  test('unknown query parameters do not make new cache entries', async () => {
    await page('/catalog/?kind=api');
    const renders = fixture.server.portal.renders;
    await page('/catalog/?kind=api&utm=1');
    await page('/catalog/?utm=2&kind=api');
    assert.equal(fixture.server.portal.renders, renders);
  });

  test('an entity page weighs under 100 KB with its stylesheet and script', async () => {
    const html = await page('/catalog/default/component/payment-service/');
    const assets = [...html.matchAll(/(?:href|src)="(\/assets\/[^"]+\.(?:css|js))"/g)].map((m) => m[1] as string);
    assert.equal(assets.length, 2);
    let bytes = Buffer.byteLength(html);
    for (const asset of assets) bytes += (await (await get(asset)).arrayBuffer()).byteLength;
    assert.ok(bytes < 100_000, `${bytes} bytes`);
  });
});

const DANGLING = fileURLToPath(new URL('./fixtures/dangling', import.meta.url));
/** Every entity of the dangling fixture: no page may link to another one. */
const DANGLING_ENTITIES = [
  'system/billing',
  'component/invoices',
  'component/receipts',
  'component/statements',
  'api/invoices-api',
  'api/invoices-events',
  'group/billing-team',
];

describeEachDatabase('dangling references over HTTP', (dialect) => {
  const fixture = useTestServer(dialect, { catalog: DANGLING, externalRefs: ['user:*'] });
  const page = async (path: string) => {
    const res = await fixture.server.app.request(path);
    assert.equal(res.status, 200, path);
    const html = await expectSafePage(res, path);
    for (const [, target] of html.matchAll(/href="\/catalog\/default\/([^/"]+\/[^/"]+)\//g))
      assert.ok(
        DANGLING_ENTITIES.includes(target as string),
        `${path} links to ${target}, which is not in the catalog`,
      );
    return html;
  };
  const notInCatalog = (name: string) =>
    new RegExp(
      `title="[^"]*${name} is not in the catalog">${name} <span class="badge badge-warn">not in the catalog</span>`,
    );

  test('the catalog list shows a missing owner as text with a badge, an external one as external', async () => {
    const html = await page('/catalog/');
    assert.match(html, notInCatalog('platform-team'));
    assert.match(html, /jane <span class="badge badge-quiet">external<\/span>/);
  });

  test('derived rows and the graph link only to entities that exist', async () => {
    const invoices = await page('/catalog/default/component/invoices/');
    for (const name of ['tax-engine', 'invoices-db', 'payments-api', 'ledger-core', 'finance'])
      assert.match(invoices, notInCatalog(name));
    assert.match(invoices, /href="\/catalog\/default\/api\/invoices-api\/"/, 'what exists is still a link');
    const team = await page('/catalog/default/group/billing-team/');
    assert.match(team, notInCatalog('finance-org'));
    const graph = await page('/catalog/default/component/invoices/graph/');
    assert.match(graph, notInCatalog('tax-engine'));
  });

  test('one problem per missing target lists its referrers; the API keeps its fields and adds target, referrers, count', async () => {
    const html = await page('/problems/');
    assert.equal(html.match(/group:default\/platform-team is not in the catalog; 5 entities refer to it/g)?.length, 1);
    assert.match(html, /referred to by 5 entities/);
    assert.match(
      html,
      /href="\/catalog\/default\/component\/receipts\/">receipts<\/a> <span class="muted small">spec\.owner · catalog-info\.yaml:34:10/,
    );
    assert.match(html, notInCatalog('broken'), 'an invalid entity is not in the catalog either');
    const body = (await (await fixture.server.app.request('/api/v1/problems?code=dangling-reference')).json()) as {
      items: Record<string, unknown>[];
      warnings: number;
    };
    const group = body.items.find((p) => p.target === 'group:default/platform-team');
    assert.ok(group);
    assert.deepEqual(Object.keys(group), [
      'severity',
      'code',
      'message',
      'hint',
      'file',
      'line',
      'column',
      'entityRef',
      'target',
      'referrers',
      'count',
    ]);
    assert.equal(group.count, 5);
    assert.equal(body.items.filter((p) => p.target === 'group:default/platform-team').length, 1);
    assert.ok(!body.items.some((p) => String(p.target).startsWith('user:')), 'user:* is external: no problem');
  });

  test('an API defined at a URL says where, links out safely, and names the mapping that would read it', async () => {
    for (const [path, url] of [
      ['/catalog/default/api/invoices-api/', 'https://raw.githubusercontent.com/acme/invoices/main/openapi.yaml'],
      ['/catalog/default/api/invoices-events/', 'https://github.com/acme/invoices/blob/main/asyncapi.yaml'],
    ] as const) {
      const html = await page(path);
      assert.match(html, new RegExp(`definition lives at <a href="${url}" rel="noopener noreferrer">`));
      assert.match(html, /Atrium did not read it: it never fetches URLs/);
      assert.match(html, /<code>catalog\.urlMappings<\/code>/);
      assert.doesNotMatch(html, /not an OpenAPI 3/);
    }
  });
});

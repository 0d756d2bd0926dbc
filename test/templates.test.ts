import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { group, tempCatalog, type TempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { expectSafePage } from './support/safe-page.ts';
import { useTestServer } from './support/test-server.ts';

/** A v1beta3 Template whose titles, actions and placeholders are hostile: shown as text, never run. */
const TEMPLATE = [
  'apiVersion: scaffolder.backstage.io/v1beta3',
  'kind: Template',
  'metadata:',
  '  name: new-service',
  '  title: New service',
  'spec:',
  '  type: service',
  '  owner: platform',
  '  parameters:',
  '    - title: "Basics <script>window.__xss=1</script>"',
  '      required: [name]',
  '      properties:',
  '        name: {title: "Name <img src=x onerror=\\"window.__xss=2\\">", type: string}',
  '        description: {type: string}',
  '    - title: Where',
  '      properties:',
  '        repoUrl: {title: Repository, type: string, "ui:field": RepoUrlPicker}',
  '  steps:',
  '    - id: fetch',
  '      name: Fetch the skeleton',
  '      action: fetch:template',
  `      input: {url: ./skeleton, values: {name: "\${{ parameters.name }}"}}`,
  '    - id: publish',
  '      name: "<svg onload=window.__xss=3>"',
  '      action: publish:github',
  `      if: "\${{ parameters.repoUrl }}"`,
  '',
].join('\n');

describeEachDatabase('Template pages', (dialect) => {
  let catalog: TempCatalog;
  before(() => {
    catalog = tempCatalog({ 'catalog-info.yaml': `${TEMPLATE}---\n${group('platform')}` });
  });
  after(() => catalog.cleanup());
  const fixture = useTestServer(dialect, () => ({ catalog: catalog.dir }));

  test("a Template's page lists its forms' fields and its steps, escaped, and says it is never run", async () => {
    const res = await fixture.server.app.request('/catalog/default/template/new-service/');
    assert.equal(res.status, 200);
    const html = await expectSafePage(res, 'the template page');
    assert.match(html, /<h2 id="template">Template<\/h2>/);
    assert.match(html, /never runs it/);
    assert.match(html, /<caption>Basics &lt;script&gt;window.__xss=1&lt;\/script&gt;<\/caption>/);
    assert.match(
      html,
      /<th scope="row">Name &lt;img src=x onerror=&quot;window.__xss=2&quot;&gt;<\/th><td><code>name<\/code><\/td><td>string<\/td><td>required<\/td>/,
    );
    assert.match(html, /<caption>Where<\/caption>/);
    assert.match(
      html,
      /<li>Fetch the skeleton <code>fetch:template<\/code> <span class="muted small">id fetch<\/span><\/li>/,
    );
    assert.match(html, /&lt;svg onload=window.__xss=3&gt; <code>publish:github<\/code>.*conditional/);
    assert.match(html, /href="\/catalog\/default\/group\/platform\/"/, 'its owner is linked under About');
  });
});

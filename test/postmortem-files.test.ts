import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openCatalog } from '../src/catalog/open-catalog.ts';
import { DocsSource } from '../src/docs/docs-source.ts';
import { createLogger } from '../src/platform/log.ts';
import { docsFoldersOf } from '../src/docs/entity-docs.ts';
import { postmortemFilesIn, publishFiles } from '../src/postmortems/postmortem-files.ts';
import { postmortemFileTasks } from '../src/postmortems/tasks.ts';
import { tempCatalog, type TempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * Post-mortem files beside a service (`docs/postmortems/*.md` of a `techdocs-ref: dir:.`
 * service) published onto their incidents by themselves, with the rules of every other
 * path, problems at file:line (hostile and malformed front matter included) and never a
 * failed run; rendered as docs pages without their front matter. Both databases.
 */

const FIXTURE = fileURLToPath(new URL('./fixtures/postmortems/catalog-info.yaml', import.meta.url));
const NOW = new Date('2026-01-07T10:00:00Z');
const SERVICE_DOCS = '/catalog/default/component/checkout-service/docs/';

const front = (lines: string[], body = '# Post-mortem\n\nWhat happened.\n') => `---\n${lines.join('\n')}\n---\n${body}`;
const item = (title: string, owner = 'group:default/checkout', deadline = '2026-01-20') => [
  `  - title: ${title}`,
  `    owner: ${owner}`,
  `    deadline: ${deadline}`,
  '    type: prevent',
];

describeEachDatabase('post-mortem files beside a service', (dialect) => {
  let catalog: TempCatalog;
  before(() => {
    catalog = tempCatalog({
      'catalog-info.yaml': readFileSync(FIXTURE, 'utf8').replace(
        'name: checkout-service\n',
        'name: checkout-service\n  annotations:\n    backstage.io/techdocs-ref: dir:.\n',
      ),
      'docs/index.md': '# Checkout service\n',
    });
  });
  after(() => catalog.cleanup());
  const fixture = useTestServer(dialect, () => ({ catalog: catalog.dir, now: () => NOW }));
  const lines: string[] = [];
  const logger = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  });
  const logged = new Map<string, string>();
  let docs: DocsSource;
  let good = '';
  let other = '';
  before(async () => {
    docs = new DocsSource(async () => (await openCatalog(catalog.dir)).root);
    const declare = async (title: string) =>
      String(
        (
          await fixture.server.incidents.declare(
            { service: 'checkout-service', severity: 'SEV2', title, startedAt: '2026-01-07T09:00:00Z' },
            'ada',
          )
        ).incident.id,
      );
    good = await declare('Card payments failed');
    other = await declare('Quotes slow');
  });
  const run = async () =>
    publishFiles(
      fixture.server.postmortems,
      await postmortemFilesIn(await docsFoldersOf(fixture.server.catalog.store), docs),
      logged,
      logger,
    );
  const byFile = async () => new Map((await run()).map((o) => [o.file.replace('docs/postmortems/', ''), o]));

  test('a valid file is published onto its incident with its items, once; an edit publishes again', async () => {
    catalog.write(
      'docs/postmortems/card-payments.md',
      front(
        [
          `incident: ${good}`,
          'published: 2026-01-07',
          'author: user:default/jane',
          'actionItems:',
          ...item('Alert on payment queue depth'),
          ...item('Runbook for the fallback', 'user:jane'),
        ],
        '# Card payments failed\n\n<script>window.__xss=1</script> **Blameless.**\n',
      ),
    );
    const first = (await byFile()).get('card-payments.md');
    assert.deepEqual(first && [first.incident, first.published, first.added, first.problems], [good, true, 2, []]);
    const view = await fixture.server.postmortems.view(good);
    assert.equal(view.postmortem?.author, 'user:default/jane');
    assert.match(view.postmortem?.markdown ?? '', /^# Card payments failed/);
    assert.deepEqual(
      view.items.map((i) => [i.title, i.owner]),
      [
        ['Alert on payment queue depth', 'group:default/checkout'],
        ['Runbook for the fallback', 'user:default/jane'],
      ],
    );
    const again = (await byFile()).get('card-payments.md');
    assert.deepEqual(again && [again.published, again.added], [false, 0], 'nothing twice');
    catalog.write(
      'docs/postmortems/card-payments.md',
      front(
        [`incident: ${good}`, 'published: 2026-01-07', 'author: user:default/jane'],
        '# Card payments failed\n\nSecond draft.\n',
      ),
    );
    const edited = (await byFile()).get('card-payments.md');
    assert.equal(edited?.published, true);
    assert.match((await fixture.server.postmortems.view(good)).postmortem?.markdown ?? '', /Second draft/);
    assert.equal((await fixture.server.postmortems.view(good)).items.length, 2, 'items are never removed by a file');
  });

  test('it renders as a docs page without its front matter, escaped', async () => {
    const res = await fixture.server.app.request(`${SERVICE_DOCS}postmortems/card-payments/`);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /Second draft/);
    assert.doesNotMatch(html, /author: user:default\/jane|incident: /, 'the front matter is data, not prose');
  });

  test('the rules of every path, at file:line: a fourth item, an unknown owner, a deadline past the horizon, an unknown incident', async () => {
    catalog.write(
      'docs/postmortems/four.md',
      front([
        `incident: ${other}`,
        'published: 2026-01-07',
        'author: jane',
        'actionItems:',
        ...['One', 'Two', 'Three', 'Four'].flatMap((t) => item(t)),
      ]),
    );
    catalog.write(
      'docs/postmortems/owners.md',
      front([
        `incident: ${other}`,
        'published: 2026-01-07',
        'author: jane',
        'actionItems:',
        ...item('Nobody owns this', 'group:default/nobody'),
        ...item('Far away', 'group:default/checkout', '2027-06-01'),
      ]),
    );
    catalog.write('docs/postmortems/unknown.md', front(['incident: 999999', 'published: 2026-01-07', 'author: jane']));
    const outcomes = await byFile();
    const problems = (file: string) => outcomes.get(file)?.problems.map((p) => [p.line, p.message]) ?? [];
    assert.equal(problems('four.md').length, 1);
    assert.equal(problems('four.md')[0]?.[0], 18, 'the line of "- title: Four"');
    assert.match(String(problems('four.md')[0]?.[1]), /three items get done, ten get forgotten/);
    assert.deepEqual(
      problems('owners.md').map(([line, message]) => [line, String(message).split(':')[0]]),
      [
        [7, 'actionItems[0].owner'],
        [12, 'actionItems[1].deadline'],
      ],
    );
    assert.equal(problems('unknown.md').length, 1);
    assert.equal(problems('unknown.md')[0]?.[0], 2, 'the incident line');
    assert.match(String(problems('unknown.md')[0]?.[1]), /^incident: .*999999/);
    assert.equal(
      (await fixture.server.postmortems.view(other)).postmortem,
      undefined,
      'nothing published from a refused file',
    );
    const said = lines.join('');
    assert.match(said, /docs\/postmortems\/four\.md:18: /);
    assert.match(said, /docs\/postmortems\/owners\.md:7: actionItems\[0\]\.owner/);
    const before = lines.length;
    await run();
    assert.equal(lines.length, before, 'a file left as it was is not logged again');
  });

  test('hostile and malformed front matter: problems at their lines, never a failed run, nothing published', async () => {
    const hostile: Record<string, string> = {
      'bomb.md': front([
        'a: &a [x, x, x, x, x, x, x, x, x]',
        'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
        'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
        'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
        `incident: ${other}`,
        'published: 2026-01-07',
        'author: jane',
        'actionItems: *d',
      ]),
      'broken.md': front([`incident: ${other}`, '  bad: [indent']),
      'list.md': front(['- a', '- b']),
      'none.md': '# No front matter at all\n',
      'types.md': front([
        'incident: [1, 2]',
        'published: 2026-13-45',
        'author: "\\u0000<script>"',
        'actionItems: {title: x}',
      ]),
      'huge.md': front([`incident: ${other}`, 'published: 2026-01-07', 'author: jane'], 'x'.repeat(300 * 1024)),
      'item-types.md': front([
        `incident: ${other}`,
        'published: 2026-01-07',
        'author: jane',
        'actionItems:',
        '  - just a string',
        '  - title: [not, text]',
        '    owner: {a: b}',
        '    deadline: 20260120',
        '    type: delete-prod',
        '    ticket: javascript:alert(1)',
      ]),
    };
    for (const [name, text] of Object.entries(hostile)) catalog.write(`docs/postmortems/${name}`, text);
    const outcomes = await byFile();
    for (const name of Object.keys(hostile)) {
      const outcome = outcomes.get(name);
      assert.ok(outcome, name);
      assert.ok(outcome.problems.length > 0, `${name} has problems`);
      assert.equal(outcome.published, false, name);
      for (const p of outcome.problems) {
        assert.equal(p.file, `docs/postmortems/${name}`);
        assert.ok(Number.isInteger(p.line) && p.line >= 1, `${name}: a line`);
      }
    }
    assert.match(outcomes.get('none.md')?.problems[0]?.message ?? '', /no front matter/);
    assert.match(outcomes.get('huge.md')?.problems[0]?.message ?? '', /larger than/);
    assert.equal((await fixture.server.postmortems.view(other)).postmortem, undefined);
    assert.equal((await fixture.server.postmortems.view(other)).items.length, 0);
    // The good file is still fine beside them.
    assert.deepEqual(outcomes.get('card-payments.md')?.problems, []);
  });

  test('the task is one replica’s; a docs folder that cannot be read fails that run only (the task runner logs it and runs again)', async () => {
    const [task] = postmortemFileTasks(
      fixture.server.postmortems,
      async () => {
        throw new Error('checkout gone');
      },
      logger,
    );
    assert.equal(task?.scope, 'once-across-replicas');
    await assert.rejects(task?.run(new AbortController().signal) ?? Promise.resolve(), /checkout gone/);
  });
});

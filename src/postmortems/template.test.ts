import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderMarkdown } from '../web/markdown.ts';
import { markdownText, parsePostmortemFile, postmortemTemplate, TEMPLATE_SECTIONS } from './template.ts';

const known = new Set(['group:default/checkout', 'user:default/jane']);
const rules = { horizonDays: 90, ownerExists: (k: string) => known.has(k) };

const incident = {
  id: '42',
  title: 'Checkout <b>errors</b>',
  timeline: [
    { at: '2026-01-07T10:04:00Z', type: 'alert', summary: 'SLO checkout-availability paging' },
    { at: '2026-01-07T09:58:30Z', type: 'deployment', summary: 'checkout 1.4.2 to production [blue]' },
    { at: '2026-01-07T10:10:00Z', type: 'note', summary: 'rolled back\n# not a heading <img src=x onerror=alert(1)>' },
  ],
};

describe('postmortemTemplate', () => {
  const markdown = postmortemTemplate(incident);

  it('has every blameless section in order', () => {
    let from = 0;
    for (const section of TEMPLATE_SECTIONS) {
      const index = markdown.indexOf(`## ${section}\n`, from);
      assert.ok(index >= from, `${section} in order`);
      from = index;
    }
    assert.match(markdown, /Blameless/);
  });

  it('fills the timeline from the incident, oldest first, one line each', () => {
    const lines = markdown.split('\n').filter((l) => l.startsWith('- **'));
    assert.equal(lines.length, 3);
    assert.match(
      lines[0] ?? '',
      /^- \*\*2026-01-07 09:58 UTC\*\* · deployment · checkout 1\.4\.2 to production \\\[blue\\\]$/,
    );
    assert.match(lines[2] ?? '', /rolled back \\# not a heading \\<img/);
  });

  it('renders hostile titles and summaries as text', () => {
    const rendered = renderMarkdown(markdown, { resolveLink: () => undefined }).html.toString();
    assert.ok(!rendered.includes('<img'));
    assert.ok(!rendered.includes('<b>'));
    assert.match(rendered, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.equal((rendered.match(/<h2/g) ?? []).length, TEMPLATE_SECTIONS.length, 'no heading injected');
  });

  it('says so when nothing is on the timeline, and lists given items', () => {
    const empty = postmortemTemplate({ id: '1', title: 'x', timeline: [] }, [
      { title: 'Add *alert*', owner: 'group:default/checkout', deadline: '2026-02-01', type: 'prevent' },
    ]);
    assert.match(empty, /Nothing recorded yet/);
    assert.match(empty, /- Add \\\*alert\\\* — group:default\/checkout, by 2026-02-01 \(prevent\)/);
  });

  it('escapes Markdown punctuation and line breaks', () => {
    assert.equal(markdownText('a|b\n[c](d)'), 'a\\|b \\[c\\]\\(d\\)');
  });
});

const file = (front: string, body = '# Post-mortem\n\nText.\n') => `---\n${front}\n---\n${body}`;
const item = (title: string, deadline = '2026-01-20') =>
  `  - title: ${title}\n    owner: group:default/checkout\n    deadline: ${deadline}\n    type: prevent`;

describe('parsePostmortemFile', () => {
  it('reads the front matter and the body', () => {
    const parsed = parsePostmortemFile(
      'docs/postmortems/42.md',
      file(
        `incident: 42\npublished: 2026-01-08\nauthor: user:default/jane\nactionItems:\n${item('Alert on queue depth')}\n    ticket: https://t.example/1`,
      ),
      rules,
    );
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.postmortem, {
      incident: '42',
      published: '2026-01-08',
      author: 'user:default/jane',
      actionItems: [
        {
          title: 'Alert on queue depth',
          owner: 'group:default/checkout',
          deadline: '2026-01-20',
          type: 'prevent',
          ticket: 'https://t.example/1',
        },
      ],
      body: '# Post-mortem\n\nText.\n',
      lines: { incident: 2, items: [6] },
    });
  });

  it('refuses a fourth item at its line, saying why', () => {
    const text = file(
      `incident: 42\npublished: 2026-01-08\nauthor: jane\nactionItems:\n${['One', 'Two', 'Three', 'Four'].map((t) => item(t)).join('\n')}`,
    );
    const parsed = parsePostmortemFile('pm.md', text, rules);
    assert.ok(!parsed.ok);
    assert.equal(parsed.problems.length, 1);
    assert.equal(parsed.problems[0]?.line, 18, 'the line of "- title: Four"');
    assert.equal(text.split('\n')[17], '  - title: Four');
    assert.match(parsed.problems[0]?.message ?? '', /three items get done, ten get forgotten/);
  });

  it('reports each item problem at the line of its field', () => {
    const text = file(
      'incident: 42\npublished: 2026-01-08\nauthor: jane\nactionItems:\n  - title: Be more careful\n    type: process\n  - title: Unknown owner\n    owner: group:default/nobody\n    deadline: 2026-01-07\n    type: prevent',
    );
    const parsed = parsePostmortemFile('pm.md', text, rules);
    assert.ok(!parsed.ok);
    assert.deepEqual(
      parsed.problems.map((p) => [p.line, p.message.split(':')[0]]),
      [
        [6, 'actionItems[0].owner'],
        [6, 'actionItems[0].deadline'],
        [9, 'actionItems[1].owner'],
        [10, 'actionItems[1].deadline'],
      ],
    );
    assert.match(
      parsed.problems[3]?.message ?? '',
      /not before 2026-01-08/,
      'deadlines count from the publication day',
    );
  });

  it('names missing or malformed fields', () => {
    const parsed = parsePostmortemFile(
      'pm.md',
      file('incident: "../etc"\npublished: yesterday\nactionItems: nope'),
      rules,
    );
    assert.ok(!parsed.ok);
    assert.deepEqual(
      parsed.problems.map((p) => [p.line, p.message.split(':')[0]]),
      [
        [2, 'incident'],
        [2, 'author'],
        [3, 'published'],
        [4, 'actionItems'],
      ],
    );
  });

  it('refuses files without front matter, with broken YAML, or too large', () => {
    const none = parsePostmortemFile('pm.md', '# Just text\n', rules);
    assert.ok(!none.ok);
    assert.match(none.problems[0]?.message ?? '', /no front matter/);
    const broken = parsePostmortemFile('pm.md', file('incident: 42\n  bad: [indent'), rules);
    assert.ok(!broken.ok);
    assert.match(broken.problems[0]?.message ?? '', /not YAML/);
    const list = parsePostmortemFile('pm.md', file('- a\n- b'), rules);
    assert.ok(!list.ok);
    const huge = parsePostmortemFile('pm.md', file('incident: 1', 'x'.repeat(300 * 1024)), rules);
    assert.ok(!huge.ok);
    assert.match(huge.problems[0]?.message ?? '', /larger than/);
  });
});

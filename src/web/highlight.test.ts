import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { highlight } from './highlight.ts';

/** One name per grammar, for the slow size tests. */
const CANONICAL = ['yaml', 'json', 'graphql', 'protobuf', 'typescript', 'sh', 'sql'];
const LANGUAGES = [
  'yaml',
  'yml',
  'json',
  'graphql',
  'gql',
  'protobuf',
  'proto',
  'typescript',
  'javascript',
  'js',
  'ts',
  'sh',
  'bash',
  'shell',
  'sql',
];
/** The source the markup shows: tags dropped, escapes undone. */
function text(markup: string): string {
  const stripped = markup.replace(/<[^>]*>/g, '');
  return stripped
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');
}

/** Asserts the output is only our spans around the escaped source, and returns the spans as [kind, text]. */
function check(source: string, language: string): Array<[string, string]> {
  const out = highlight(source, language).value;
  assert.equal(text(out), source, `round trip for ${language}`);
  for (const tag of out.match(/<[^>]*>/g) ?? []) {
    assert.match(
      tag,
      /^(<span class="tok-(comment|string|number|keyword|key|punct|type)">|<\/span>)$/,
      `${language}: ${tag}`,
    );
  }
  return [...out.matchAll(/<span class="tok-([a-z]+)">([^<]*)<\/span>/g)].map((m) => [m[1] ?? '', text(m[2] ?? '')]);
}

const SAMPLES: Record<string, string> = {
  yaml: 'apiVersion: backstage.io/v1alpha1\nmetadata:\n  name: "svc" # owner\n  tags: [a, b]\n  text: |\n    key: not a key\nspec:\n  - port: 8080\n    on: true\n',
  json: '{"name": "svc", "port": -8080, "tags": ["a"], "ok": true, "none": null}',
  graphql: 'type Query {\n  user(id: ID!): User # comment\n}\n"""doc"""',
  protobuf: 'syntax = "proto3";\n// c\nmessage A { int32 x = 1; B y = 2; }',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source text to highlight, not a template
  typescript: 'const x: Map<string, number> = new Map(); // c\n/* b */ let s = `t${x}`;',
  sh: '#!/bin/sh\nif [ -f "$1" ]; then echo a#b; fi # done',
  sql: "SELECT name FROM users WHERE note = 'it''s' -- c\n/* b */ limit 10;",
};

const HOSTILE = [
  '</span><script>alert(1)</script>',
  '"</span><img src=x onerror=alert(1)>',
  "'\\'\\\"`\\`\n\"\"\"'''/*#--//",
  '&amp;&lt;<<>>&&"\'',
  'a: "unterminated\\\nb: |\n  <b>\n"',
  '\\',
  '',
];

describe('highlight', () => {
  test('every language gives back exactly the source, escaped, for ordinary and hostile input', () => {
    for (const language of [...LANGUAGES, 'python', '', 'constructor', '__proto__']) {
      for (const source of [...Object.values(SAMPLES), ...HOSTILE]) {
        check(source, language);
        assert.doesNotMatch(highlight(source, language).value, /<script|<img/);
      }
    }
  });

  test('unknown languages come back escaped and without spans', () => {
    assert.equal(highlight('<b>"x"</b>', 'python').value, '&lt;b&gt;&quot;x&quot;&lt;/b&gt;');
    assert.equal(highlight('<b>', 'constructor').value, '&lt;b&gt;');
  });

  test('language names are matched case-insensitively', () => {
    assert.deepEqual(check('select 1', 'SQL'), [
      ['keyword', 'select'],
      ['number', '1'],
    ]);
  });

  test('YAML keys, comments, scalars and block scalar text are marked', () => {
    const spans = check(SAMPLES.yaml ?? '', 'yaml');
    assert.deepEqual(
      spans.filter(([kind]) => kind === 'key').map(([, t]) => t),
      ['apiVersion', 'metadata', 'name', 'tags', 'text', 'spec', 'port', 'on'],
    );
    assert.ok(spans.some(([kind, t]) => kind === 'comment' && t === '# owner'));
    assert.ok(spans.some(([kind, t]) => kind === 'string' && t === '"svc"'));
    assert.ok(spans.some(([kind, t]) => kind === 'string' && t === 'key: not a key'));
    assert.ok(spans.some(([kind, t]) => kind === 'number' && t === '8080'));
    assert.ok(spans.some(([kind, t]) => kind === 'keyword' && t === 'true'));
  });

  test('a hash inside a YAML value or a shell word is not a comment', () => {
    assert.ok(!check('url: http://a/#b', 'yaml').some(([kind]) => kind === 'comment'));
    assert.deepEqual(
      check('echo a#b $# # c', 'sh').filter(([kind]) => kind === 'comment'),
      [['comment', '# c']],
    );
  });

  test('JSON object keys are keys and other strings are strings', () => {
    const spans = check(SAMPLES.json ?? '', 'json');
    assert.deepEqual(
      spans.filter(([kind]) => kind === 'key').map(([, t]) => t),
      ['"name"', '"port"', '"tags"', '"ok"', '"none"'],
    );
    assert.ok(spans.some(([kind, t]) => kind === 'string' && t === '"svc"'));
    assert.ok(spans.some(([kind, t]) => kind === 'number' && t === '-8080'));
  });

  test('keywords, types and comments are marked in the code languages', () => {
    const ts = check(SAMPLES.typescript ?? '', 'ts');
    assert.ok(ts.some(([kind, t]) => kind === 'keyword' && t === 'const'));
    assert.ok(ts.some(([kind, t]) => kind === 'type' && t === 'Map'));
    assert.ok(ts.some(([kind, t]) => kind === 'comment' && t === '/* b */'));
    const proto = check(SAMPLES.protobuf ?? '', 'proto');
    assert.ok(proto.some(([kind, t]) => kind === 'type' && t === 'int32'));
    assert.ok(proto.some(([kind, t]) => kind === 'keyword' && t === 'message'));
    const gql = check(SAMPLES.graphql ?? '', 'graphql');
    assert.ok(gql.some(([kind, t]) => kind === 'type' && t === 'ID'));
    assert.ok(gql.some(([kind, t]) => kind === 'string' && t === '"""doc"""'));
    const sql = check(SAMPLES.sql ?? '', 'sql');
    assert.ok(sql.some(([kind, t]) => kind === 'string' && t === "'it''s'"));
    assert.ok(sql.some(([kind, t]) => kind === 'keyword' && t === 'SELECT'));
    assert.ok(sql.some(([kind, t]) => kind === 'comment' && t === '-- c'));
  });

  test('an unterminated string stops at the end of its line', () => {
    const spans = check('let a = "oops\nlet b = 1;', 'js');
    assert.deepEqual(
      spans.filter(([kind]) => kind === 'keyword'),
      [
        ['keyword', 'let'],
        ['keyword', 'let'],
      ],
    );
  });

  test('a 1 MB line of quotes and backslashes completes and round-trips', () => {
    const line = '"\\\'\\'.repeat(250_000);
    for (const language of CANONICAL) assert.equal(text(highlight(line, language).value), line);
  });

  test('hostile input just under the size cap is still highlighted in linear time', () => {
    const line = `${'"\\"\'/*`#--'.repeat(50_000)}\n${'a: '.repeat(10_000)}`;
    for (const language of CANONICAL) check(line, language);
  });

  test('sources over 512 KiB are returned escaped without highlighting', () => {
    const source = 'const a = "<x>";\n'.repeat(40_000);
    assert.equal(highlight(source, 'ts').value.includes('<span'), false);
    assert.equal(text(highlight(source, 'ts').value), source);
  });
});

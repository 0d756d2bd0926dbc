import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_ALIASES, MAX_NESTING, parseYamlDocuments, type ParsedFile } from './parse.ts';

const FILE = 'teams/payments/catalog-info.yaml';
const parse = (text: string): ParsedFile => parseYamlDocuments(text, FILE);
const codes = (file: ParsedFile) => file.problems.map((p) => p.code);

describe('parseYamlDocuments: documents and positions', () => {
  const text = [
    'apiVersion: backstage.io/v1alpha1', // 1
    'kind: Component', // 2
    'metadata:', // 3
    '  name: checkout', // 4
    '  tags:', // 5
    '    - java', // 6
    '    - payments', // 7
    'spec:', // 8
    '  owner:', // 9
    '  providesApis: [orders, {ref: payments}]', // 10
    '  lifecycle: production', // 11
  ].join('\n');
  const [doc] = parse(text).documents;
  assert.ok(doc);

  test('reads the value of a document', () => {
    assert.deepEqual(doc.value, {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'checkout', tags: ['java', 'payments'] },
      spec: { owner: null, providesApis: ['orders', { ref: 'payments' }], lifecycle: 'production' },
    });
  });

  test('places a document where its content starts, 1-based', () => {
    assert.deepEqual(doc.position, { line: 1, column: 1 });
  });

  const positions: [path: PropertyKey[], line: number, column: number, why: string][] = [
    [[], 1, 1, 'the empty path is the document itself'],
    [['kind'], 2, 7, 'a mapping entry points at its value'],
    [['metadata'], 4, 3, 'a nested mapping starts at its first key'],
    [['metadata', 'name'], 4, 9, 'a nested value'],
    [['metadata', 'tags', 0], 6, 7, 'a sequence item by index'],
    [['metadata', 'tags', 1], 7, 7, 'a later sequence item'],
    [['spec', 'providesApis', 1, 'ref'], 10, 32, 'a value inside flow collections'],
    [['spec', 'lifecycle'], 11, 14, 'a value after a flow collection'],
  ];
  for (const [path, line, column, why] of positions) {
    test(`positionOf(${JSON.stringify(path)}) is ${line}:${column}: ${why}`, () => {
      assert.deepEqual(doc.positionOf(path), { line, column });
    });
  }

  const fallbacks: [path: PropertyKey[], expected: PropertyKey[], why: string][] = [
    [['spec', 'system'], ['spec'], 'a missing key points at its mapping'],
    [
      ['metadata', 'annotations', 'backstage.io/x'],
      ['metadata'],
      'a missing branch points at the deepest mapping that exists',
    ],
    [['metadata', 'tags', 5], ['metadata', 'tags'], 'an index past the end points at the sequence'],
    [['metadata', 'tags', 'first'], ['metadata', 'tags'], 'a key on a sequence points at the sequence'],
    [['metadata', 'name', 'deeper'], ['metadata', 'name'], 'a path below a scalar points at the scalar'],
    [['nope', 'deeper'], [], 'a missing root key points at the document'],
  ];
  for (const [path, expected, why] of fallbacks) {
    test(`positionOf(${JSON.stringify(path)}) falls back to ${JSON.stringify(expected)}: ${why}`, () => {
      assert.deepEqual(doc.positionOf(path), doc.positionOf(expected));
    });
  }

  test('positionOf a key with an empty value points at that entry, not at its parent', () => {
    const position = doc.positionOf(['spec', 'owner']);
    assert.equal(position.line, 9);
    assert.notDeepEqual(position, doc.positionOf(['spec']));
  });

  test('a file without problems reports none and is not broken', () => {
    const file = parse(text);
    assert.deepEqual(file.problems, []);
    assert.equal(file.broken, false);
  });
});

describe('parseYamlDocuments: multi-document files', () => {
  const text = [
    '---',
    'kind: A',
    '---',
    '',
    'kind: B',
    'metadata:',
    '  name: b',
    '---',
    '# a comment',
    'kind: C',
    '',
  ].join('\n');
  const file = parse(text);

  test('returns every document in order', () => {
    assert.deepEqual(
      file.documents.map((d) => d.value),
      [{ kind: 'A' }, { kind: 'B', metadata: { name: 'b' } }, { kind: 'C' }],
    );
  });

  test('places each document at its own first line', () => {
    assert.deepEqual(
      file.documents.map((d) => d.position),
      [
        { line: 2, column: 1 },
        { line: 5, column: 1 },
        { line: 10, column: 1 },
      ],
    );
  });

  test('positions paths within their own document', () => {
    assert.deepEqual(file.documents[1]?.positionOf(['metadata', 'name']), { line: 7, column: 9 });
    assert.deepEqual(file.documents[2]?.positionOf(['kind']), { line: 10, column: 7 });
  });

  const empties: [text: string, values: unknown[], why: string][] = [
    ['', [], 'an empty file'],
    ['# only a comment\n', [], 'a file of comments'],
    ['---\n', [], 'a lone document marker'],
    ['kind: A\n---\n', [{ kind: 'A' }], 'a trailing document marker'],
    ['kind: A\n---\n# trailing comment\n', [{ kind: 'A' }], 'a trailing document holding only a comment'],
    ['---\n---\nkind: A\n---\n\n---\nkind: B\n', [{ kind: 'A' }, { kind: 'B' }], 'empty documents between others'],
    ['kind: A\n...\n', [{ kind: 'A' }], 'a document end marker'],
    ['~\n---\nnull\n---\nkind: A\n', [{ kind: 'A' }], 'explicitly null documents, which Backstage also skips'],
  ];
  for (const [input, values, why] of empties) {
    test(`skips empty documents: ${why}`, () => {
      const result = parse(input);
      assert.deepEqual(
        result.documents.map((d) => d.value),
        values,
      );
      assert.deepEqual(result.problems, []);
      assert.equal(result.broken, false);
    });
  }

  test('keeps documents that are not mappings for the validator to report', () => {
    assert.deepEqual(
      parse('- a\n- b\n---\njust text\n---\n42\n').documents.map((d) => d.value),
      [['a', 'b'], 'just text', 42],
    );
  });
});

describe('parseYamlDocuments: YAML errors are problems, not exceptions', () => {
  test('reports a duplicate key as yaml-duplicate-key on the line of the duplicate', () => {
    const file = parse('kind: Component\nmetadata:\n  name: a\nkind: API\n');
    assert.deepEqual(
      file.problems.map((p) => [p.code, p.line, p.column]),
      [['yaml-duplicate-key', 4, 1]],
    );
    assert.equal(file.broken, true);
    assert.deepEqual(file.documents, []);
  });

  test('reports a nested duplicate key at its own line and column', () => {
    const file = parse('metadata:\n  name: a\n  tags: [x]\n  name: b\n');
    assert.deepEqual(
      file.problems.map((p) => [p.code, p.line, p.column]),
      [['yaml-duplicate-key', 4, 3]],
    );
  });

  test('marks the whole file broken when one document is broken, and still returns the good ones', () => {
    const file = parse('kind: A\n---\nkind: B\nkind: C\n---\nkind: D\n');
    assert.equal(file.broken, true);
    assert.deepEqual(codes(file), ['yaml-duplicate-key']);
    assert.equal(file.problems[0]?.line, 4);
    assert.deepEqual(
      file.documents.map((d) => d.value),
      [{ kind: 'A' }, { kind: 'D' }],
    );
  });

  const syntax: [text: string, line: number, why: string][] = [
    ['a: [1, 2\nb: 3\n', 2, 'an unclosed flow sequence'],
    ['a: 1\nb: "unterminated\n', 3, 'an unterminated quoted string'],
    ['a: 1\n b: 2\n', 1, 'a bad indentation'],
    ['a: {x: 1\n', 2, 'an unclosed flow mapping'],
  ];
  for (const [text, line, why] of syntax) {
    test(`reports ${why} as yaml-syntax at line ${line}`, () => {
      const file = parse(text);
      assert.equal(file.broken, true);
      assert.ok(file.problems.length >= 1);
      for (const problem of file.problems) {
        assert.equal(problem.code, 'yaml-syntax');
        assert.equal(problem.severity, 'error');
        assert.equal(problem.line, line);
        assert.ok(problem.column >= 1);
        assert.ok(!problem.message.includes('\n'), 'the message is one line');
      }
    });
  }

  test('anchors every problem to the file, with a hint', () => {
    const file = parse('a: 1\na: 2\n');
    assert.equal(file.problems[0]?.file, FILE);
    assert.ok((file.problems[0]?.hint.length ?? 0) > 0);
  });

  test('reports an alias bomb as yaml-alias-limit without expanding it', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      lines.push(`${next}: &${next} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    const file = parse(`kind: Bomb\n${lines.join('\n')}\n`);
    assert.equal(file.broken, true);
    assert.deepEqual(codes(file), ['yaml-alias-limit']);
    assert.deepEqual(file.documents, []);
    assert.equal(file.problems[0]?.line, 1);
  });

  test('accepts ordinary use of anchors and aliases', () => {
    const uses = Array.from({ length: MAX_ALIASES / 2 }, (_, i) => `k${i}: *owner`).join('\n');
    const file = parse(`base: &owner team-a\n${uses}\n`);
    assert.deepEqual(file.problems, []);
    assert.equal((file.documents[0]?.value as Record<string, unknown> | undefined)?.k0, 'team-a');
  });

  test('reports a YAML warning with severity warning and still reads the document', () => {
    const file = parse('kind: Component\ntype: !custom service\n');
    assert.equal(file.broken, false);
    assert.deepEqual(
      file.problems.map((p) => [p.code, p.severity, p.line]),
      [['yaml-warning', 'warning', 2]],
    );
    assert.equal(file.documents.length, 1);
  });

  test('a mapping or list used as a key is a yaml-warning at its line, never a raw warning on stderr', (t) => {
    const emitted = t.mock.method(process, 'emitWarning', () => {});
    const file = parse('kind: Component\nmetadata:\n  annotations:\n    ? [x, y]\n    : z\n    ? {a: 1}\n    : b\n');
    assert.deepEqual(
      file.problems.map((p) => [p.code, p.severity, p.line]),
      [
        ['yaml-warning', 'warning', 4],
        ['yaml-warning', 'warning', 6],
      ],
    );
    assert.match(file.problems[0]?.message ?? '', /key is itself a list/);
    assert.match(file.problems[1]?.message ?? '', /key is itself a mapping/);
    assert.equal(emitted.mock.callCount(), 0, 'the YAML library printed to stderr');
    assert.equal(file.documents.length, 1);
  });

  test('reports an unsupported YAML version as a warning', () => {
    const file = parse('%YAML 1.3\n---\nkind: A\n');
    assert.deepEqual(
      file.problems.map((p) => [p.code, p.severity]),
      [['yaml-warning', 'warning']],
    );
    assert.deepEqual(file.documents[0]?.value, { kind: 'A' });
  });
});

describe('parseYamlDocuments: deep nesting', () => {
  const tooDeep: [name: string, text: string, line: number, column: number][] = [
    ['100000 opening brackets', '['.repeat(100_000), 1, MAX_NESTING + 1],
    ['100000 opening braces', '{'.repeat(100_000), 1, MAX_NESTING + 1],
    ['alternating mappings and sequences', '{a: ['.repeat(50_000), 1, '{a: ['.length * (MAX_NESTING / 2) + 1],
    // Below two block mappings, the 63rd bracket is the 65th level.
    [
      'deep nesting on a later line',
      `kind: A\nmetadata:\n  x: ${'['.repeat(MAX_NESTING + 1)}${']'.repeat(MAX_NESTING + 1)}\n`,
      3,
      6 + MAX_NESTING - 2,
    ],
    [
      'deep nesting in a later document',
      `kind: A\n---\nx: ${'{a: '.repeat(70)}1${'}'.repeat(70)}\n`,
      3,
      4 + 4 * (MAX_NESTING - 1),
    ],
    ['1000 levels of compact block sequences', `${'- '.repeat(1000)}x\n`, 1, 2 * MAX_NESTING + 1],
    ['1000 levels of compact explicit keys', `${'? '.repeat(1000)}x\n`, 1, 2 * MAX_NESTING + 1],
    // A mapping is reported at the colon of its first key.
    [
      '1000 levels of indented block mappings',
      Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}k:\n`).join(''),
      MAX_NESTING + 1,
      MAX_NESTING + 2,
    ],
    [
      '1000 levels of empty keys',
      Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}: \n`).join(''),
      MAX_NESTING + 1,
      MAX_NESTING + 1,
    ],
    // Two levels a line (a sequence, then a mapping): the sequence on line 33 is the 65th.
    ['mappings in sequences', Array.from({ length: 500 }, (_, i) => `${' '.repeat(2 * i)}- k:\n`).join(''), 33, 65],
    // Two levels a pair of lines; a mapping is reported at its colon.
    [
      'sequences at the column of their mapping keys',
      Array.from({ length: 500 }, (_, i) => `${' '.repeat(2 * i)}k:\n${' '.repeat(2 * i)}-\n`).join(''),
      65,
      66,
    ],
    [
      'block mappings holding flow collections',
      `${Array.from({ length: 40 }, (_, i) => `${' '.repeat(i)}k:\n`).join('')}${' '.repeat(40)}k: ${'['.repeat(30)}`,
      41,
      44 + MAX_NESTING - 41,
    ],
    // A quote inside a plain scalar does not start a string: the brackets after it still nest.
    ['brackets after a quote inside a plain scalar', `[a 'b, ${'['.repeat(100_000)}`, 1, 8 + MAX_NESTING - 1],
    ['brackets after a colon-quote inside a plain scalar', `[a:'b, ${'['.repeat(100_000)}`, 1, 8 + MAX_NESTING - 1],
    ['brackets after a quote starting a continuation line', `[a\n'b, ${'['.repeat(100_000)}`, 2, 5 + MAX_NESTING - 1],
    ['brackets after a quoted string holding a #', `[!t 'a #', ${'['.repeat(100_000)}`, 1, 12 + MAX_NESTING - 1],
  ];
  for (const [name, text, line, column] of tooDeep) {
    test(`refuses ${name} as yaml-too-deep at ${line}:${column}`, () => {
      const file = parse(text);
      assert.equal(file.broken, true);
      assert.deepEqual(file.documents, []);
      assert.deepEqual(
        file.problems.map((p) => [p.code, p.severity, p.line, p.column]),
        [['yaml-too-deep', 'error', line, column]],
      );
    });
  }

  test(`accepts exactly ${MAX_NESTING} levels of block nesting`, () => {
    const file = parse(`${'- '.repeat(MAX_NESTING)}x\n`);
    assert.deepEqual(file.problems, []);
    let value = file.documents[0]?.value;
    let depth = 0;
    while (Array.isArray(value)) {
      depth++;
      value = value[0];
    }
    assert.equal(depth, MAX_NESTING);
  });

  test('counts block and flow levels together', () => {
    const mappings = Array.from({ length: 10 }, (_, i) => `${' '.repeat(i)}k${i}:\n`).join('');
    const ok = parse(`${mappings}${' '.repeat(10)}x: ${'['.repeat(MAX_NESTING - 11)}${']'.repeat(MAX_NESTING - 11)}\n`);
    assert.deepEqual(ok.problems, []);
    const deep = parse(
      `${mappings}${' '.repeat(10)}x: ${'['.repeat(MAX_NESTING - 10)}${']'.repeat(MAX_NESTING - 10)}\n`,
    );
    assert.deepEqual(codes(deep), ['yaml-too-deep']);
  });

  test(`accepts exactly ${MAX_NESTING} levels of flow nesting`, () => {
    const file = parse(`${'['.repeat(MAX_NESTING)}${']'.repeat(MAX_NESTING)}`);
    assert.deepEqual(file.problems, []);
    let value = file.documents[0]?.value;
    let depth = 0;
    while (Array.isArray(value)) {
      depth++;
      value = value[0];
    }
    assert.equal(depth, MAX_NESTING);
  });

  const notNesting: [name: string, text: string][] = [
    ['a double-quoted string', `title: "${'['.repeat(100_000)}${'{'.repeat(100_000)}"\n`],
    ['a double-quoted string with escaped quotes', `title: "\\"${'['.repeat(1000)}\\""\n`],
    ['a single-quoted string', `title: '${'{'.repeat(100_000)}'\n`],
    ['a single-quoted string with an escaped quote', `title: 'it''s ${'['.repeat(1000)}'\n`],
    ['a multi-line double-quoted string', `description: "line one\n  ${'['.repeat(1000)}\n  end"\n`],
    ['a quoted string inside a flow sequence', `tags: ["${'['.repeat(1000)}", '${'{'.repeat(1000)}']\n`],
    ['a comment', `# ${'['.repeat(100_000)}\nkind: A\n`],
    ['a comment after a value', `kind: A # ${'{'.repeat(100_000)}\n`],
    ['a literal block scalar', `description: |\n  ${'['.repeat(1000)}\n  more\n`],
    ['a folded block scalar', `description: >\n  ${'{'.repeat(1000)}\n`],
    ['a plain scalar in block context', `description: see ${'['.repeat(1000)}\n`],
    ['a block scalar of dashes and colons', `description: |\n${'  - - - - a: b: c:\n'.repeat(100)}`],
    ['a multi-line plain scalar of dashes', `description: a\n  ${'- '.repeat(1000)}\n`],
    ['a quoted string of dashes', `description: "${'- '.repeat(1000)}"\n`],
    [
      'many sibling entries',
      `${Array.from({ length: 5000 }, (_, i) => `k${i}:\n  - a\n  - b: c\n    d: [1, {e: f}]\n`).join('')}`,
    ],
    ['a sequence at the column of its key, then more keys', `a:\n- x\n- y\nb:\n- z\nc: d\n`],
    ['many sibling collections', `x: [${'[], {}, '.repeat(50_000)}[]]\n`],
  ];
  for (const [name, text] of notNesting) {
    test(`does not count brackets in ${name}`, () => {
      const file = parse(text);
      assert.deepEqual(codes(file), []);
      assert.equal(file.broken, false);
      assert.equal(file.documents.length, 1);
    });
  }
});

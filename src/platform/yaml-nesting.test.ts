import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
/** The catalog's limit, as an example of a real one. */
const MAX_NESTING = 64;
import { findExcessiveNesting } from './yaml-nesting.ts';

describe('findExcessiveNesting', () => {
  const cases: [text: string, limit: number, expected: number | undefined, why: string][] = [
    ['', 1, undefined, 'an empty text'],
    ['[[[', 3, undefined, 'nesting at the limit'],
    ['[[[[', 3, 3, 'the offset of the first bracket beyond the limit'],
    ['{a: [b, {c: d}]}', 3, undefined, 'mixed collections at the limit'],
    ['{a: [b, {c: d}]}', 2, 8, 'mixed collections beyond the limit'],
    ['[[]][[]]', 2, undefined, 'closed collections give their depth back'],
    [']]]][[', 2, undefined, 'stray closing brackets do not go below zero'],
    ['"[[[[" ', 2, undefined, 'a double-quoted string'],
    ["a: '[[[['", 2, undefined, 'a single-quoted string'],
    ["a: 'x''[[[['", 2, undefined, 'a single-quoted string with an escaped quote'],
    ['# [[[[', 2, undefined, 'a comment'],
    ['a#[[[[', 2, undefined, 'a # inside a plain scalar, which is not a comment and holds no collections'],
    ['a: [\nb: [\nc: [\n', 2, undefined, 'unclosed collections that end at the next block key'],
    ['x: [1, [2, [3]]]\ny: [[[[4]]]]\n', 4, 23, 'a later line, offset counted across lines, below one block mapping'],
    ['x: [1, [2, [3]]]\n', 3, 11, 'flow levels below a block mapping count with it'],
    ['- - - x', 3, undefined, 'compact sequences at the limit'],
    ['- - - - x', 3, 6, 'compact sequences beyond the limit'],
    ['a:\n b:\n  c:\n', 3, undefined, 'indented mappings at the limit'],
    ['a:\n b:\n  c:\n   d: x\n', 3, 16, 'indented mappings beyond the limit'],
    ['a:\n b:\n  c: x\nd:\n e:\n  f: x\n', 3, undefined, 'siblings do not add up'],
    ['a:\n- b:\n  - c\n', 4, undefined, 'a sequence at the column of its key is one level deeper, not two'],
    ['a:\n- b:\n  - c\n', 3, 10, 'a sequence at the column of its key still counts'],
  ];
  for (const [text, limit, expected, why] of cases) {
    test(`returns ${String(expected)} for ${JSON.stringify(text)} at limit ${limit}: ${why}`, () => {
      assert.equal(findExcessiveNesting(text, limit), expected);
    });
  }

  test('returns an offset that points at the opening bracket beyond the limit', () => {
    const text = `key: "[[[[["\nlist: ${'['.repeat(10)}`;
    const offset = findExcessiveNesting(text, 5);
    assert.equal(text[offset ?? -1], '[');
    assert.equal(
      offset,
      text.indexOf('list: ') + 6 + 4,
      'the mapping is the first level, so the fifth bracket is the sixth',
    );
  });

  test('returns an offset that points at the dash beyond the limit', () => {
    const text = `a: 1\nb:\n  - - - - x\n`;
    const offset = findExcessiveNesting(text, 4);
    assert.equal(text[offset ?? -1], '-');
    assert.equal(offset, text.indexOf('- - - - x') + 6);
  });

  test('copes with 100000 levels of brackets, braces and dashes', () => {
    assert.equal(findExcessiveNesting('['.repeat(100_000), MAX_NESTING), MAX_NESTING);
    assert.equal(findExcessiveNesting('{'.repeat(100_000), MAX_NESTING), MAX_NESTING);
    assert.equal(findExcessiveNesting('- '.repeat(100_000), MAX_NESTING), 2 * MAX_NESTING);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Assertion,
  evaluateAssertions,
  MAX_ASSERTION,
  MAX_PATH_STEPS,
  parseAssertion,
  type ResponseFacts,
} from './assertions.ts';

const facts = (over: Partial<ResponseFacts> = {}): ResponseFacts => ({
  status: 200,
  responseTimeMs: 120,
  headers: { 'content-type': 'application/json; charset=utf-8', 'x-count': '7' },
  body: JSON.stringify({
    status: 'up',
    items: [{ id: 'a' }, { id: 'b' }],
    count: 2,
    ok: true,
    none: null,
    tags: ['x', 'y'],
  }),
  certificateExpiresInDays: 30,
  ...over,
});

function parsed(text: string): Assertion {
  const p = parseAssertion(text);
  if (!p.ok) throw new Error(`${text}: ${p.error.message} at ${p.error.column}`);
  return p.assertion;
}
const run = (text: string, f: ResponseFacts = facts()) => evaluateAssertions([parsed(text)], f)[0];
const errorOf = (text: string) => {
  const p = parseAssertion(text);
  assert.equal(p.ok, false, text);
  return p.ok ? undefined : p.error;
};

describe('parseAssertion', () => {
  it('reads every subject, operator and kind of value', () => {
    assert.deepEqual(parsed('status == 200').subject, { kind: 'status' });
    assert.deepEqual(parsed('responseTime < 300'), {
      text: 'responseTime < 300',
      subject: { kind: 'responseTime' },
      operator: '<',
      value: 300,
    });
    assert.deepEqual(parsed('header.Content-Type contains json').subject, { kind: 'header', name: 'content-type' });
    assert.deepEqual(parsed('body contains "all good"').value, 'all good');
    assert.deepEqual(parsed('json.items[0].id == "a"').subject, { kind: 'json', path: ['items', 0, 'id'] });
    assert.deepEqual(parsed('json.items.length > 0').subject, { kind: 'json', path: ['items', 'length'] });
    assert.deepEqual(parsed('certificate.expiresInDays > 14').subject, { kind: 'certificateExpiresInDays' });
    assert.equal(parsed('json.ok == true').value, true);
    assert.equal(parsed('json.none == null').value, null);
    assert.equal(parsed('json.x == -1.5').value, -1.5);
    assert.equal(parsed('body !contains error').operator, '!contains');
    assert.equal(parsed('status>=200').operator, '>=');
    assert.equal(parsed('  status != 500  ').operator, '!=');
    assert.equal(parsed('body contains "say \\"hi\\" \\\\"').value, 'say "hi" \\');
  });
  it('says what is wrong and at which column', () => {
    assert.deepEqual(errorOf('stat == 200'), {
      message: 'expected status, responseTime, header.<name>, body, json… or certificate.expiresInDays',
      column: 1,
    });
    assert.equal(errorOf('status = 200')?.column, 8);
    assert.equal(errorOf('status == ')?.message, 'expected a value');
    assert.equal(errorOf('status == 200 300')?.column, 14);
    assert.equal(errorOf('body contains "open')?.message, 'the string is not closed');
    assert.equal(errorOf('body contains "a" b')?.column, 19);
    assert.equal(errorOf('json. == 1')?.column, 6);
    assert.equal(errorOf('json.items[x] == 1')?.column, 11);
    assert.equal(errorOf('header == 1')?.column, 7);
    assert.equal(errorOf('certificate.issuer == x')?.column, 12);
    assert.equal(errorOf('responseTime < fast')?.message, '< compares numbers; the value is not a number');
    assert.equal(errorOf('body > 3')?.message, '> does not apply to the body; use contains');
    assert.equal(errorOf('body containsx')?.message, 'expected a space after contains');
    assert.equal(errorOf('body contains "\\n"')?.message, 'only \\" and \\\\ are escapes');
    assert.equal(errorOf('  stat == 1')?.column, 3);
  });
  it('refuses hostile input cheaply: very long text, very deep paths, control characters', () => {
    assert.equal(errorOf(`body contains "${'a'.repeat(MAX_ASSERTION)}"`)?.column, MAX_ASSERTION + 1);
    assert.match(errorOf(`json${'.a'.repeat(MAX_PATH_STEPS + 1)} == 1`)?.message ?? '', /at most 32 steps/);
    assert.equal(parseAssertion(`json${'.a'.repeat(MAX_PATH_STEPS)} == 1`).ok, true);
    assert.equal(parseAssertion('').ok, false);
    assert.equal(parseAssertion('status\0== 200').ok, false);
    const started = performance.now();
    parseAssertion(`json.${'['.repeat(900)}`);
    parseAssertion(`body contains "${'\\'.repeat(980)}`);
    assert.ok(performance.now() - started < 100);
  });
});

describe('evaluateAssertions', () => {
  it('judges status, response time and certificate numerically', () => {
    assert.equal(run('status == 200')?.passed, true);
    assert.equal(run('status == 200', facts({ status: 503 }))?.actual, '503');
    assert.equal(run('status == 200', facts({ status: 503 }))?.passed, false);
    assert.equal(run('status != 500')?.passed, true);
    assert.equal(run('responseTime < 300')?.passed, true);
    assert.equal(run('responseTime < 100')?.passed, false);
    assert.equal(run('responseTime <= 120')?.passed, true);
    assert.equal(run('responseTime >= 121')?.passed, false);
    assert.equal(run('certificate.expiresInDays > 14')?.passed, true);
    assert.equal(run('certificate.expiresInDays > 14', facts({ certificateExpiresInDays: 3 }))?.passed, false);
  });
  it('a certificate assertion without TLS fails as absent', () => {
    const out = run('certificate.expiresInDays > 14', facts({ certificateExpiresInDays: undefined }));
    assert.deepEqual(out, { assertion: 'certificate.expiresInDays > 14', passed: false, actual: '(absent)' });
  });
  it('reads headers case-insensitively and compares numeric header text as numbers', () => {
    assert.equal(run('header.content-type contains json')?.passed, true);
    assert.equal(run('header.CONTENT-TYPE contains xml')?.passed, false);
    assert.equal(run('header.x-count > 5')?.passed, true);
    assert.equal(run('header.x-missing == 1')?.actual, '(absent)');
    assert.equal(run('header.x-missing != 1')?.passed, false);
    assert.equal(run('header.x-missing !contains a')?.passed, false);
  });
  it('reads the body as text', () => {
    assert.equal(run('body contains "up"')?.passed, true);
    assert.equal(run('body !contains "down"')?.passed, true);
    assert.equal(run('body contains down')?.passed, false);
  });
  it('walks JSON paths: keys, indexes, length, types', () => {
    assert.equal(run('json.status == "up"')?.passed, true);
    assert.equal(run('json.status == up')?.passed, true);
    assert.equal(run('json.status == "down"')?.actual, 'up');
    assert.equal(run('json.items.length > 0')?.passed, true);
    assert.equal(run('json.items.length == 2')?.passed, true);
    assert.equal(run('json.items[1].id == b')?.passed, true);
    assert.equal(run('json.items[5].id == b')?.actual, '(absent)');
    assert.equal(run('json.status.length == 2')?.passed, true);
    assert.equal(run('json.count >= 2')?.passed, true);
    assert.equal(run('json.ok == true')?.passed, true);
    assert.equal(run('json.ok == "true"')?.passed, false);
    assert.equal(run('json.none == null')?.passed, true);
    assert.equal(run('json.tags contains y')?.passed, true);
    assert.equal(run('json.tags contains z')?.passed, false);
    // An array contains an element, not text inside one.
    assert.equal(run('json.items contains "id"')?.passed, false);
    assert.equal(run('json.count == "2"')?.passed, false);
    assert.equal(run('json.items[0] == "{\\"id\\":\\"a\\"}"')?.passed, true);
  });
  it('a body that is not JSON fails every json assertion, saying so', () => {
    assert.deepEqual(run('json.status == "up"', facts({ body: '<html>' })), {
      assertion: 'json.status == "up"',
      passed: false,
      actual: '(not JSON)',
    });
    assert.equal(run('json != 1', facts({ body: '' }))?.passed, false);
  });
  it('never reads a prototype: __proto__, constructor and prototype are own keys or absent', () => {
    for (const key of ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'])
      assert.equal(run(`json.${key} != 1`, facts({ body: '{}' }))?.actual, '(absent)', key);
    assert.equal(run('json.__proto__ == "x"', facts({ body: '{"__proto__":"x"}' }))?.passed, true);
    assert.equal(run('json.items.constructor == 1', facts({ body: '{"items":[]}' }))?.actual, '(absent)');
    assert.equal(run('json.s.constructor == 1', facts({ body: '{"s":"t"}' }))?.actual, '(absent)');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
  it('bounds what it shows of a long value', () => {
    const out = run('body contains nothing-here', facts({ body: 'z'.repeat(10_000) }));
    assert.equal(out?.passed, false);
    assert.equal(out?.actual.length, 201);
  });
  it('parses the body once for many JSON assertions and not at all for none', () => {
    let reads = 0;
    const body = '{"a":1}';
    const counted = {
      ...facts(),
      get body() {
        reads++;
        return body;
      },
    };
    evaluateAssertions([parsed('json.a == 1'), parsed('json.a > 0'), parsed('json.b != 1')], counted);
    assert.equal(reads, 1);
    reads = 0;
    evaluateAssertions([parsed('status == 200')], counted);
    assert.equal(reads, 0);
  });
});

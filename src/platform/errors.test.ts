import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AtriumError, EXIT_USAGE, toAtriumError, UsageError, type ErrorCategory } from './errors.ts';

const make = (category: ErrorCategory, extra: Partial<ConstructorParameters<typeof AtriumError>[0]> = {}) =>
  new AtriumError({ category, code: 'some-code', message: 'Something happened', hint: 'Do something', ...extra });

describe('AtriumError', () => {
  const table: [category: ErrorCategory, exitCode: number, status: number][] = [
    ['user-fixable', 65, 400],
    ['retryable', 75, 503],
    ['operator-fixable', 78, 500],
    ['fatal', 70, 500],
  ];
  for (const [category, exitCode, status] of table) {
    test(`a ${category} error exits with ${exitCode} and defaults to HTTP ${status}`, () => {
      const err = make(category);
      assert.equal(err.exitCode, exitCode);
      assert.equal(err.status, status);
    });
  }

  test('keeps an explicit HTTP status over the category default', () => {
    assert.equal(make('user-fixable', { status: 404 }).status, 404);
    assert.equal(make('retryable', { status: 429 }).status, 429);
  });

  test('carries its code, hint, message, retry delay, details and cause', () => {
    const cause = new Error('root cause');
    const err = make('retryable', { retryAfter: 5, details: { parameter: 'limit' }, cause });
    assert.equal(err.code, 'some-code');
    assert.equal(err.hint, 'Do something');
    assert.equal(err.message, 'Something happened');
    assert.equal(err.retryAfter, 5);
    assert.deepEqual(err.details, { parameter: 'limit' });
    assert.equal(err.cause, cause);
    assert.equal(err.category, 'retryable');
  });

  test('is an Error named AtriumError', () => {
    const err = make('fatal');
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'AtriumError');
    assert.ok(err.stack?.includes('Something happened'));
  });

  test('leaves optional fields undefined when not given', () => {
    const err = make('user-fixable');
    assert.equal(err.retryAfter, undefined);
    assert.equal(err.details, undefined);
    assert.equal(err.cause, undefined);
  });
});

describe('UsageError', () => {
  test('exits with 64, the usage exit code', () => {
    const err = new UsageError('Unknown option --prot', 'Did you mean --port?');
    assert.equal(EXIT_USAGE, 64);
    assert.equal(err.exitCode, 64);
  });

  test('is a user-fixable AtriumError with code usage and HTTP 400', () => {
    const err = new UsageError('Unknown option --prot', 'Did you mean --port?');
    assert.ok(err instanceof AtriumError);
    assert.equal(err.category, 'user-fixable');
    assert.equal(err.code, 'usage');
    assert.equal(err.status, 400);
    assert.equal(err.name, 'UsageError');
    assert.equal(err.message, 'Unknown option --prot');
    assert.equal(err.hint, 'Did you mean --port?');
  });
});

describe('toAtriumError', () => {
  test('returns an AtriumError unchanged', () => {
    const err = make('retryable');
    assert.equal(toAtriumError(err), err);
    const usage = new UsageError('bad', 'fix');
    assert.equal(toAtriumError(usage), usage);
    assert.equal(toAtriumError(usage).exitCode, 64);
  });

  test('wraps any other Error as a fatal internal error that keeps the original as its cause', () => {
    const original = new TypeError('x is undefined');
    const err = toAtriumError(original);
    assert.ok(err instanceof AtriumError);
    assert.equal(err.category, 'fatal');
    assert.equal(err.code, 'internal');
    assert.equal(err.exitCode, 70);
    assert.equal(err.status, 500);
    assert.match(err.message, /x is undefined/);
    assert.equal(err.cause, original);
    assert.ok(err.hint.length > 0);
  });

  const thrown: [value: unknown, text: string][] = [
    ['a plain string', 'a plain string'],
    [42, '42'],
    [undefined, 'undefined'],
    [null, 'null'],
    [{ reason: 'object' }, '[object Object]'],
  ];
  for (const [value, text] of thrown) {
    test(`wraps a thrown ${value === null ? 'null' : typeof value} as fatal, naming it in the message`, () => {
      const err = toAtriumError(value);
      assert.equal(err.category, 'fatal');
      assert.equal(err.code, 'internal');
      assert.equal(err.exitCode, 70);
      assert.ok(err.message.includes(text), err.message);
      assert.equal(err.cause, value);
    });
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../platform/errors.ts';
import { byteSizeOption } from './args.ts';

test('--max-file-size reads bytes, or KiB, MiB and GiB (binary, whatever the spelling)', () => {
  assert.equal(byteSizeOption('max-file-size', undefined), undefined);
  for (const [text, bytes] of [
    ['4096', 4096],
    ['1024B', 1024],
    ['64KiB', 64 * 1024],
    ['64k', 64 * 1024],
    ['16MiB', 16 * 2 ** 20],
    ['16M', 16 * 2 ** 20],
    ['32mb', 32 * 2 ** 20],
    ['1GiB', 2 ** 30],
  ] as const)
    assert.equal(byteSizeOption('max-file-size', text), bytes, text);
});

test('--max-file-size refuses what is not a size, below 1KiB or above 1GiB, as a usage error naming the form', () => {
  for (const text of ['', 'lots', '-1', '1.5MiB', '16 TiB', '1023', '2GiB', '0x10', 'MiB', '9'.repeat(30)]) {
    assert.throws(
      () => byteSizeOption('max-file-size', text),
      (err: unknown) => err instanceof UsageError && /--max-file-size/.test(err.message) && /16MiB/.test(err.hint),
      text,
    );
  }
});

test('--memory-budget: the same sizes within its own range, its example in the hint', () => {
  const range = { min: 128 * 2 ** 20, max: 64 * 2 ** 30, example: '300MiB' };
  assert.equal(byteSizeOption('memory-budget', '300MiB', range), 300 * 2 ** 20);
  assert.equal(byteSizeOption('memory-budget', '2GiB', range), 2 ** 31);
  for (const text of ['127MiB', '65GiB', 'a lot', '-300MiB'])
    assert.throws(
      () => byteSizeOption('memory-budget', text, range),
      (err: unknown) =>
        err instanceof UsageError &&
        err.message.includes('from 128MiB to 64GiB') &&
        err.hint.includes('--memory-budget 300MiB'),
      text,
    );
});

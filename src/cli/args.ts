import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../platform/errors.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util's parseArgs, with its errors turned into usage errors (exit 64) that name `--help`. */
export function parseCommandArgs<T extends Options>(command: string, args: string[], options: T) {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message, `Run \`atrium ${command} --help\` for the options.`);
  }
}

/** Reads `--port`-style integer options with a range check. */
export function integerOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(
      `--${name} must be a whole number from ${min} to ${max}, not "${value}"`,
      `For example --${name} ${min === 0 ? 7400 : min}.`,
    );
  }
  return Number(value);
}

/** Reads `--format text|json`. */
export function formatOption(value: string | undefined): 'text' | 'json' {
  if (value !== 'text' && value !== 'json')
    throw new UsageError(
      `--format must be text or json, not "${value}"`,
      'Use --format json for machine-readable output.',
    );
  return value;
}

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 2 ** 10,
  kb: 2 ** 10,
  kib: 2 ** 10,
  m: 2 ** 20,
  mb: 2 ** 20,
  mib: 2 ** 20,
  g: 2 ** 30,
  gb: 2 ** 30,
  gib: 2 ** 30,
};

/** Reads `--max-file-size`-style sizes: bytes, or KiB, MiB, GiB (K, KB, M, MB… read as the same binary units), within `range` (default 1KiB to 1GiB; `example` goes in the hint). */
export function byteSizeOption(
  name: string,
  value: string | undefined,
  range: { min: number; max: number; example?: string } = { min: 1024, max: 2 ** 30 },
): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{1,10})\s*([a-z]*)$/i.exec(value.trim());
  const unit = BYTE_UNITS[match?.[2]?.toLowerCase() ?? 'none'];
  const bytes = match && unit ? Number(match[1]) * unit : Number.NaN;
  if (!(bytes >= range.min && bytes <= range.max))
    throw new UsageError(
      `--${name} must be a size from ${sizeText(range.min)} to ${sizeText(range.max)}, not "${value}"`,
      `For example --${name} ${range.example ?? '16MiB'} (or a number of bytes).`,
    );
  return bytes;
}

/** A size as the largest binary unit that divides it: 1KiB, 16MiB, 64GiB. */
function sizeText(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 1024],
  ] as const)
    if (bytes % size === 0) return `${bytes / size}${unit}`;
  return String(bytes);
}

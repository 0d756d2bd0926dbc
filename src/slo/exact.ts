/**
 * Exact arithmetic for objectives, error budgets and burn-rate thresholds: numbers such
 * as 99.9 are read from their decimal text into a fraction of two BigInts, so
 * 14.4 × (1 − 0.999) is 0.0144 and never 0.014399999999999432 (the float noise in rules
 * other tools generate). Measured ratios from Prometheus stay floats; only what is
 * declared, derived from declarations or printed into rules is exact. Pure.
 */

/** A fraction in lowest terms with a positive denominator. */
export interface Exact {
  readonly num: bigint;
  readonly den: bigint;
}

const DECIMAL = /^([+-]?)(\d{1,30})(?:\.(\d{1,30}))?$/;

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

function fraction(num: bigint, den: bigint): Exact {
  if (den === 0n) throw new RangeError('Division by zero');
  const sign = den < 0n ? -1n : 1n;
  const divisor = gcd(num, den) || 1n;
  return { num: (sign * num) / divisor, den: (sign * den) / divisor };
}

/**
 * A decimal written as text ("99.9", "-0.5", "3") or a finite JavaScript number (read
 * through its shortest decimal text, so 99.9 is 999/10); undefined for anything else
 * (exponents in text, NaN, more than 30 digits on either side of the point).
 */
export function exact(value: string | number | bigint): Exact | undefined {
  if (typeof value === 'bigint') return fraction(value, 1n);
  // Counts are integers: no text, no reduction (an evaluation cycle reads ~100,000 of them).
  if (typeof value === 'number' && Number.isSafeInteger(value)) return { num: BigInt(value), den: 1n };
  if (typeof value === 'number') return Number.isFinite(value) ? numberExact(value) : undefined;
  const match = DECIMAL.exec(value.trim());
  if (!match) return undefined;
  const [, sign, whole, part = ''] = match;
  const num = BigInt(whole + part) * (sign === '-' ? -1n : 1n);
  return fraction(num, 10n ** BigInt(part.length));
}

/** A number through its shortest round-trip text, whose exponent (1e-7) is applied exactly. */
function numberExact(value: number): Exact | undefined {
  const [mantissa = '', exponent = '0'] = String(value).split(/e/i);
  const base = exact(mantissa);
  if (!base) return undefined;
  const power = 10n ** BigInt(Math.abs(Number(exponent)));
  return Number(exponent) < 0 ? fraction(base.num, base.den * power) : fraction(base.num * power, base.den);
}

/** Like exact(), for values the caller knows are decimals; throws on anything else. */
export function exactOf(value: string | number | bigint): Exact {
  const result = exact(value);
  if (!result) throw new RangeError(`Not a decimal number: ${String(value)}`);
  return result;
}

export const add = (a: Exact, b: Exact): Exact => fraction(a.num * b.den + b.num * a.den, a.den * b.den);
export const sub = (a: Exact, b: Exact): Exact => fraction(a.num * b.den - b.num * a.den, a.den * b.den);
export const mul = (a: Exact, b: Exact): Exact => fraction(a.num * b.num, a.den * b.den);
export const div = (a: Exact, b: Exact): Exact => fraction(a.num * b.den, a.den * b.num);

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function compare(a: Exact, b: Exact): -1 | 0 | 1 {
  const left = a.num * b.den;
  const right = b.num * a.den;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** The nearest float (for arithmetic with measured values). */
export function toNumber(value: Exact): number {
  return Number(value.num) / Number(value.den);
}

/**
 * Decimal text: exact when the fraction terminates (0.0144), otherwise rounded half away
 * from zero to `maxDecimals` places with trailing zeros dropped (28-day windows give
 * thirds: 0.1 × 672 / 72 = 0.9333…). Never an exponent, never float noise.
 */
export function formatExact(value: Exact, maxDecimals = 12): string {
  const negative = value.num < 0n;
  const num = negative ? -value.num : value.num;
  const scale = 10n ** BigInt(maxDecimals);
  const scaled = (num * scale * 2n + value.den) / (value.den * 2n);
  const whole = scaled / scale;
  const part = (scaled % scale).toString().padStart(maxDecimals, '0').replace(/0+$/, '');
  const text = part ? `${whole}.${part}` : `${whole}`;
  return negative && scaled !== 0n ? `-${text}` : text;
}

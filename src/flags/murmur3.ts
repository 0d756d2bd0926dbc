/**
 * MurmurHash3 x86_32 over a string, without allocating: the bytes are produced from the
 * UTF-16 code units as they are hashed, and a constant prefix (a flag's `groupId:`) can be
 * hashed once and resumed for every identifier.
 *
 * Two ways of turning a string into bytes, because Unleash SDKs disagree beyond ASCII:
 * - `utf8`: the string's UTF-8 bytes (a lone surrogate becomes U+FFFD, as TextEncoder
 *   does). This is the reference algorithm over UTF-8, as Unleash's Rust engine
 *   (Yggdrasil: Unleash Edge and the SDKs built on it) hashes, and every SDK that hashes
 *   the UTF-8 bytes of the string.
 * - `node-sdk`: the low byte of each UTF-16 code unit, which is what the Node SDK
 *   (`unleash-client`, through the `murmurhash3js` package) hashes.
 * Both give the same hash for ASCII strings.
 */

export type HashEncoding = 'utf8' | 'node-sdk';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** The hash state after some bytes: full blocks mixed into `h`, up to 3 pending bytes in `block`. */
export interface MurmurState {
  readonly seed: number;
  readonly encoding: HashEncoding;
  readonly h: number;
  readonly block: number;
  readonly pending: number;
  readonly length: number;
}

function mixBlock(h: number, block: number): number {
  let k = Math.imul(block, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(h: number, block: number, pending: number, length: number): number {
  if (pending > 0) {
    let k = Math.imul(block, C1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, C2);
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The UTF-8 bytes (2 to 4) of the code point starting at `s[i]`, for one at or above
 * U+0080: `out[0]` holds them packed little-endian, `out[1]` their count. Returns the index
 * of the code point's last code unit. Written into `out` so the hot loop allocates nothing.
 */
function utf8At(s: string, i: number, out: Int32Array): number {
  const c = s.charCodeAt(i);
  if (c < 0x800) {
    out[0] = 0xc0 | (c >> 6) | ((0x80 | (c & 0x3f)) << 8);
    out[1] = 2;
    return i;
  }
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) {
      const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
      out[0] =
        0xf0 |
        (cp >> 18) |
        ((0x80 | ((cp >> 12) & 0x3f)) << 8) |
        ((0x80 | ((cp >> 6) & 0x3f)) << 16) |
        ((0x80 | (cp & 0x3f)) << 24);
      out[1] = 4;
      return i + 1;
    }
  }
  // A lone surrogate cannot be encoded: TextEncoder (and so every UTF-8 hasher in JS) writes U+FFFD.
  const u = c >= 0xd800 && c <= 0xdfff ? 0xfffd : c;
  out[0] = 0xe0 | (u >> 12) | ((0x80 | ((u >> 6) & 0x3f)) << 8) | ((0x80 | (u & 0x3f)) << 16);
  out[1] = 3;
  return i;
}

const scratch = new Int32Array(2);

/** Feeds `s` into a state; returns the new state's fields through `into` (reused: no allocation). */
function feed(
  s: string,
  encoding: HashEncoding,
  h: number,
  block: number,
  pending: number,
  length: number,
  into: Float64Array,
): void {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80 || encoding === 'node-sdk') {
      block |= (c & 0xff) << (pending << 3);
      length++;
      if (++pending === 4) {
        h = mixBlock(h, block);
        block = 0;
        pending = 0;
      }
      continue;
    }
    i = utf8At(s, i, scratch);
    let bytes = scratch[0] as number;
    for (let count = scratch[1] as number; count > 0; count--) {
      block |= (bytes & 0xff) << (pending << 3);
      bytes >>>= 8;
      length++;
      if (++pending === 4) {
        h = mixBlock(h, block);
        block = 0;
        pending = 0;
      }
    }
  }
  into[0] = h;
  into[1] = block;
  into[2] = pending;
  into[3] = length;
}

const fed = new Float64Array(4);

/** Hashes a constant prefix once, to be resumed with {@link murmurResume}. */
export function murmurPrefix(prefix: string, seed: number, encoding: HashEncoding): MurmurState {
  feed(prefix, encoding, seed | 0, 0, 0, 0, fed);
  return {
    seed,
    encoding,
    h: fed[0] as number,
    block: fed[1] as number,
    pending: fed[2] as number,
    length: fed[3] as number,
  };
}

/** The hash of the prefix followed by `rest`. */
export function murmurResume(state: MurmurState, rest: string): number {
  feed(rest, state.encoding, state.h, state.block, state.pending, state.length, fed);
  return finish(fed[0] as number, fed[1] as number, fed[2] as number, fed[3] as number);
}

/**
 * MurmurHash3 x86_32 of a string, as an unsigned 32-bit integer.
 *
 * @example
 * murmurHash3('Hello, world!', 0x9747b28c); // 0x24884cba
 */
export function murmurHash3(key: string, seed = 0, encoding: HashEncoding = 'utf8'): number {
  feed(key, encoding, seed | 0, 0, 0, 0, fed);
  return finish(fed[0] as number, fed[1] as number, fed[2] as number, fed[3] as number);
}

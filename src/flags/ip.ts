/**
 * IP addresses and CIDR ranges for the remoteAddress strategy and the IN_CIDR operator,
 * accepted as the `ip-address` package (which the Unleash Node SDK uses) accepts them:
 * dotted quads without leading zeros, RFC 4291 IPv6 text (with `::`, an embedded dotted
 * quad, a `%zone` that is ignored), each with an optional `/prefix`. An address of one
 * family is never inside a range of the other.
 */

export interface IpAddress {
  readonly family: 4 | 6;
  /** 32-bit words, most significant first: one for IPv4, four for IPv6. */
  readonly words: readonly number[];
  /** The `/prefix` written after it, or the full width (32 or 128). */
  readonly prefix: number;
}

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const DOTTED_QUAD = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
const LEADING_ZERO = /^0\d/;
const V4_PREFIX = /\/(\d{1,2})$/;
const V6_PREFIX = /\/(\d{1,3})(?=%|$)/;
const V6_BAD_CHARACTER = /[^0-9a-f:]/i;
const V6_BAD_SHAPE = /[0-9a-f]{5,}|:{3,}|[^:]:$|^:[^:]/i;
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;

function quadValue(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.some((p) => LEADING_ZERO.test(p))) return undefined;
  const m = DOTTED_QUAD.exec(text);
  if (!m) return undefined;
  return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
}

/** An IPv4 address (or range, with `/prefix`), or undefined. */
export function parseIpv4(text: string): IpAddress | undefined {
  let address = text;
  let prefix = 32;
  const suffix = V4_PREFIX.exec(address);
  if (suffix) {
    prefix = Number(suffix[1]);
    if (prefix > 32) return undefined;
    address = address.slice(0, suffix.index);
  }
  if (address.length > 15) return undefined;
  const value = quadValue(address);
  return value === undefined ? undefined : { family: 4, words: [value], prefix };
}

/** An IPv6 address (or range, with `/prefix`), or undefined. */
export function parseIpv6(text: string): IpAddress | undefined {
  let address = text;
  let prefix = 128;
  const suffix = V6_PREFIX.exec(address);
  if (suffix) {
    prefix = Number(suffix[1]);
    if (prefix > 128) return undefined;
    address = address.slice(0, suffix.index) + address.slice(suffix.index + suffix[0].length);
  }
  if (address.includes('/')) return undefined;
  const zone = address.indexOf('%');
  if (zone !== -1 && !LINE_TERMINATOR.test(address.slice(zone))) address = address.slice(0, zone);
  if (address.length > 45) return undefined;

  let groups: string[];
  const lastColon = address.lastIndexOf(':');
  const tail = address.slice(lastColon + 1);
  let embedded: number | undefined;
  if (tail.includes('.')) {
    embedded = quadValue(tail);
    if (embedded === undefined) return undefined;
    address = `${address.slice(0, lastColon + 1)}0:0`;
  }
  if (V6_BAD_CHARACTER.test(address) || V6_BAD_SHAPE.test(address)) return undefined;
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  if (halves.length === 2) {
    const first = halves[0] === '' ? [] : (halves[0] as string).split(':');
    const last = halves[1] === '' ? [] : (halves[1] as string).split(':');
    const elided = 8 - first.length - last.length;
    if (elided <= 0) return undefined;
    groups = [...first, ...Array.from({ length: elided }, () => '0'), ...last];
  } else {
    groups = address.split(':');
  }
  if (groups.length !== 8 || groups.some((g) => g === '')) return undefined;
  const values = groups.map((g) => parseInt(g, 16));
  const words = [0, 1, 2, 3].map((i) => (((values[2 * i] as number) << 16) | (values[2 * i + 1] as number)) >>> 0);
  if (embedded !== undefined) words[3] = embedded;
  return { family: 6, words, prefix };
}

/** Whether two addresses are the same, whatever prefix each was written with. */
export function sameAddress(a: IpAddress, b: IpAddress): boolean {
  return a.family === b.family && a.words.every((w, i) => w === b.words[i]);
}

/**
 * Whether everything `address` denotes lies inside `range`: same family, a prefix at least
 * as long as the range's, and the range's leading bits equal.
 */
export function inSubnet(address: IpAddress, range: IpAddress): boolean {
  if (address.family !== range.family || address.prefix < range.prefix) return false;
  let bits = range.prefix;
  for (let i = 0; i < range.words.length && bits > 0; i++, bits -= 32) {
    const mask = bits >= 32 ? 0xffffffff : ~(0xffffffff >>> bits);
    if ((((address.words[i] as number) ^ (range.words[i] as number)) & mask) !== 0) return false;
  }
  return true;
}

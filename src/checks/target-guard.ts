import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where a check may connect: the SSRF guard of the runner. A check's host is resolved once,
 * every address it resolves to is judged, and the connection is made to the judged address
 * (so a second resolution cannot swap in another: DNS rebinding). Private, loopback,
 * link-local (the cloud metadata address 169.254.169.254, and fd00:ec2::254 inside fc00::/7),
 * shared, multicast and reserved addresses are refused, unless the runner's own settings
 * (`allowedPrivateTargets`: host names, addresses or CIDRs) allow them.
 */

/** Ranges no check reaches unless allowed (RFC 6890 special-purpose registries, abridged to what routes somewhere). */
const REFUSED: readonly [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['64:ff9b::', 96, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

const refused = new BlockList();
for (const [network, prefix, family] of REFUSED) refused.addSubnet(network, prefix, family);

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to its addresses (node:dns's lookup with `all: true` in the runner; a table in tests). */
export type Resolve = (host: string) => Promise<readonly ResolvedAddress[]>;

/** The runner's resolution: node:dns's lookup, every address, in the resolver's order. */
export const systemResolve: Resolve = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

export type Guarded =
  | { ok: true; address: ResolvedAddress; dnsMs: number }
  | { ok: false; reason: string; dnsMs: number };

/** The runner's exceptions: a BlockList of allowed addresses and CIDRs, and allowed host names. */
export interface Allowances {
  addresses: BlockList;
  hosts: ReadonlySet<string>;
}

/** Reads `allowedPrivateTargets` (`127.0.0.1`, `10.0.0.0/8`, `fd00::/8`, `db.internal`); answers what it could not read too. */
export function allowancesOf(entries: readonly string[]): { allowances: Allowances; unreadable: string[] } {
  const addresses = new BlockList();
  const hosts = new Set<string>();
  const unreadable: string[] = [];
  for (const entry of entries) {
    const [network, prefix] = entry.split('/');
    const family = isIP(network ?? '');
    if (family !== 0) {
      const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
      if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) unreadable.push(entry);
      else addresses.addSubnet(network as string, bits, family === 4 ? 'ipv4' : 'ipv6');
    } else if (prefix === undefined && /^[A-Za-z0-9.-]{1,253}$/.test(entry)) hosts.add(entry.toLowerCase());
    else unreadable.push(entry);
  }
  return { allowances: { addresses, hosts }, unreadable };
}

/** Whether an address is in a refused range (IPv4-mapped IPv6 addresses are judged as their IPv4 address). */
export function isRefusedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return refused.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function allowed(host: string, address: ResolvedAddress, allowances: Allowances): boolean {
  return (
    allowances.hosts.has(host.toLowerCase()) ||
    allowances.addresses.check(address.address, address.family === 4 ? 'ipv4' : 'ipv6')
  );
}

/**
 * The address to connect to for `host`, or why not. An IP literal is judged as it is; a name
 * is resolved, and refused when any of its addresses is refused (a name that resolves to a
 * public and a private address could be answered either way later).
 */
export async function guardTarget(
  host: string,
  allowances: Allowances,
  resolve: Resolve,
  clock: () => number = () => performance.now(),
): Promise<Guarded> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const started = clock();
  const literal = isIP(bare);
  let addresses: readonly ResolvedAddress[];
  if (literal !== 0) addresses = [{ address: bare, family: literal as 4 | 6 }];
  else {
    try {
      addresses = await resolve(bare);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      return { ok: false, reason: `could not resolve ${bare} (${code})`, dnsMs: clock() - started };
    }
  }
  const dnsMs = literal === 0 ? clock() - started : 0;
  if (addresses.length === 0) return { ok: false, reason: `${bare} resolves to no address`, dnsMs };
  for (const address of addresses)
    if (isRefusedAddress(address.address) && !allowed(bare, address, allowances))
      return {
        ok: false,
        reason: `${bare} resolves to ${address.address}, a private, loopback, link-local or reserved address this runner does not reach (allow it in the runner's allowedPrivateTargets)`,
        dnsMs,
      };
  return { ok: true, address: addresses[0] as ResolvedAddress, dnsMs };
}

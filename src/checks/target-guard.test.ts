import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowancesOf, guardTarget, isRefusedAddress, type Resolve } from './target-guard.ts';

const none = allowancesOf([]).allowances;
const table =
  (entries: Record<string, string[]>): Resolve =>
  async (host) => {
    const found = entries[host];
    if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }) as const);
  };

describe('isRefusedAddress', () => {
  it('refuses private, loopback, link-local, metadata, shared, multicast and reserved addresses', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fd00:ec2::254',
      'fc00::1',
      'fe80::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:169.254.169.254',
      '64:ff9b::a9fe:a9fe',
      'not-an-ip',
    ])
      assert.equal(isRefusedAddress(a), true, a);
  });
  it('lets public addresses through', () => {
    for (const a of ['1.1.1.1', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])
      assert.equal(isRefusedAddress(a), false, a);
  });
});

describe('allowancesOf', () => {
  it('reads addresses, CIDRs and host names; answers what it cannot read', () => {
    const { allowances, unreadable } = allowancesOf([
      '127.0.0.1',
      '10.0.0.0/8',
      'fd00::/8',
      'DB.internal',
      '10.0.0.0/33',
      'a b',
      'x/8',
    ]);
    assert.deepEqual(unreadable, ['10.0.0.0/33', 'a b', 'x/8']);
    assert.equal(allowances.addresses.check('127.0.0.1', 'ipv4'), true);
    assert.equal(allowances.addresses.check('127.0.0.2', 'ipv4'), false);
    assert.equal(allowances.addresses.check('10.9.9.9', 'ipv4'), true);
    assert.equal(allowances.addresses.check('fd00:ec2::254', 'ipv6'), true);
    assert.equal(allowances.hosts.has('db.internal'), true);
  });
});

describe('guardTarget', () => {
  const resolve = table({
    'public.example': ['93.184.216.34'],
    'metadata.example': ['169.254.169.254'],
    'mixed.example': ['93.184.216.34', '10.0.0.5'],
    'db.internal': ['10.0.0.7'],
    'empty.example': [],
  });
  it('passes a public name, pinned to the address it resolved to', async () => {
    const g = await guardTarget('public.example', none, resolve);
    assert.deepEqual(g.ok && g.address, { address: '93.184.216.34', family: 4 });
  });
  it('refuses the metadata address, by literal or by a name resolving to it', async () => {
    for (const host of ['169.254.169.254', 'metadata.example', '[fd00:ec2::254]', '[::ffff:169.254.169.254]']) {
      const g = await guardTarget(host, none, resolve);
      assert.equal(g.ok, false, host);
      assert.match(g.ok ? '' : g.reason, /allowedPrivateTargets/);
    }
  });
  it('refuses a name with any refused address among public ones', async () => {
    assert.equal((await guardTarget('mixed.example', none, resolve)).ok, false);
  });
  it('lets allowed addresses and names through, and only those', async () => {
    const { allowances } = allowancesOf(['127.0.0.1', 'db.internal']);
    assert.equal((await guardTarget('127.0.0.1', allowances, resolve)).ok, true);
    assert.equal((await guardTarget('127.0.0.2', allowances, resolve)).ok, false);
    assert.equal((await guardTarget('db.internal', allowances, resolve)).ok, true);
    assert.equal((await guardTarget('169.254.169.254', allowances, resolve)).ok, false);
  });
  it('says why when a name does not resolve, and times the lookup', async () => {
    let t = 0;
    const g = await guardTarget('gone.example', none, resolve, () => (t += 7));
    assert.deepEqual(g, { ok: false, reason: 'could not resolve gone.example (ENOTFOUND)', dnsMs: 7 });
    assert.equal((await guardTarget('empty.example', none, resolve)).ok, false);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inSubnet, parseIpv4, parseIpv6, sameAddress, type IpAddress } from './ip.ts';

const v4 = (text: string): IpAddress => {
  const a = parseIpv4(text);
  assert.ok(a, text);
  return a;
};
const v6 = (text: string): IpAddress => {
  const a = parseIpv6(text);
  assert.ok(a, text);
  return a;
};
const hex = (a: IpAddress) => a.words.map((w) => w.toString(16).padStart(8, '0')).join('');

describe('parseIpv4', () => {
  it('reads dotted quads with an optional /prefix', () => {
    assert.deepEqual(parseIpv4('192.168.1.42'), { family: 4, words: [0xc0a8012a], prefix: 32 });
    assert.deepEqual(parseIpv4('10.0.0.0/8'), { family: 4, words: [0x0a000000], prefix: 8 });
    assert.equal(v4('1.2.3.4/08').prefix, 8);
    assert.equal(v4('255.255.255.255').words[0], 0xffffffff);
  });

  it('refuses what ip-address refuses: leading zeros, octets over 255, short forms, spaces, bad prefixes', () => {
    for (const text of [
      '01.2.3.4',
      '256.1.1.1',
      '1.2.3',
      '1.2.3.4.5',
      ' 1.2.3.4',
      '1.2.3.4 ',
      '1.2.3.4/33',
      '1.2.3.4/',
      '1.2.3.4/123',
      '127.invalid',
      '',
      '::1',
    ]) {
      assert.equal(parseIpv4(text), undefined, JSON.stringify(text));
    }
  });
});

describe('parseIpv6', () => {
  it('reads full, compressed, mixed-case and dotted-quad forms', () => {
    assert.equal(hex(v6('2001:db8::1')), '20010db8000000000000000000000001');
    assert.equal(hex(v6('2001:DB8:0:0:0:0:0:1')), '20010db8000000000000000000000001');
    assert.equal(hex(v6('::')), '0'.repeat(32));
    assert.equal(hex(v6('1::')), '00010000000000000000000000000000');
    assert.equal(hex(v6('::ffff:1.2.3.4')), '00000000000000000000ffff01020304');
    assert.equal(hex(v6('1:2:3:4:5:6:1.2.3.4')), '00010002000300040005000601020304');
  });

  it('reads a /prefix and ignores a %zone', () => {
    assert.equal(v6('2001:db8::/32').prefix, 32);
    assert.equal(v6('::/0').prefix, 0);
    assert.ok(sameAddress(v6('fe80::1%eth0'), v6('fe80::1')));
    assert.equal(v6('2001:db8::/32%eth0').prefix, 32);
  });

  it('refuses malformed addresses', () => {
    for (const text of [
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4::5:6:7:8',
      '1::2::3',
      ':1::',
      '1:',
      '12345::',
      ':::',
      'g::1',
      'bad::cidr',
      '::ffff:01.2.3.4',
      '::ffff:1.2.3',
      '1:2:3:4:5:6:7:1.2.3.4',
      '1.2.3.4::',
      '2001:db8::/129',
      '1.2.3.4',
      '',
    ]) {
      assert.equal(parseIpv6(text), undefined, JSON.stringify(text));
    }
  });
});

describe('inSubnet', () => {
  it("holds when the range's leading bits match", () => {
    assert.ok(inSubnet(v4('160.33.0.33'), v4('160.33.0.0/16')));
    assert.ok(!inSubnet(v4('160.34.0.1'), v4('160.33.0.0/16')));
    assert.ok(inSubnet(v4('8.8.8.8'), v4('0.0.0.0/0')));
    assert.ok(inSubnet(v4('192.168.1.42'), v4('192.168.1.7/24')), 'host bits of the range do not matter');
    assert.ok(inSubnet(v6('2001:db8:0:1::42'), v6('2001:db8::/32')));
    assert.ok(!inSubnet(v6('2001:db9::1'), v6('2001:db8::/32')));
    assert.ok(inSubnet(v6('2001:db8::abcd'), v6('2001:db8::abcd/127')));
  });

  it('does not hold for a wider network, nor across families', () => {
    assert.ok(!inSubnet(v4('10.0.0.1/8'), v4('10.0.0.0/16')));
    assert.ok(inSubnet(v4('10.0.0.1/24'), v4('10.0.0.0/16')));
    assert.ok(!inSubnet(v6('::ffff:10.1.2.3'), v4('10.0.0.0/8')));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolverAddress } from './dns-probe.ts';

/** The resolver's address the SSRF guard judges (the probe itself is tested in check-executor.test.ts, over UDP). */
describe('resolverAddress', () => {
  it('reads the address out of each way a DNS check names its server', () => {
    assert.equal(resolverAddress('1.1.1.1'), '1.1.1.1');
    assert.equal(resolverAddress('1.1.1.1:53'), '1.1.1.1');
    assert.equal(resolverAddress('[2606:4700::1111]:53'), '2606:4700::1111');
    assert.equal(resolverAddress('[2606:4700::1111]'), '2606:4700::1111');
    assert.equal(resolverAddress('2606:4700::1111'), '2606:4700::1111');
    assert.equal(resolverAddress('::ffff:169.254.169.254'), '::ffff:169.254.169.254');
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  coreKind,
  CORE_KINDS,
  DEFAULT_NAMESPACE,
  entityName,
  entityTitle,
  EntityRefError,
  formatRef,
  parseEntityRef,
  refKey,
  type EntityName,
} from './model.ts';

describe('coreKind', () => {
  test('finds every core kind whatever its case', () => {
    for (const kind of CORE_KINDS) {
      assert.equal(coreKind(kind), kind);
      assert.equal(coreKind(kind.toLowerCase()), kind);
      assert.equal(coreKind(kind.toUpperCase()), kind);
    }
  });

  test('returns undefined for kinds that are not core kinds', () => {
    for (const kind of ['Template', 'Widget', '', 'Components', 'APIs']) {
      assert.equal(coreKind(kind), undefined, kind);
    }
  });
});

describe('refKey', () => {
  test('is kind:namespace/name, all lowercased', () => {
    assert.equal(refKey({ kind: 'Component', namespace: 'Default', name: 'Checkout' }), 'component:default/checkout');
  });

  test('gives the same key to names that differ only in case', () => {
    const a = refKey({ kind: 'group', namespace: 'platform', name: 'SRE' });
    const b = refKey({ kind: 'GROUP', namespace: 'Platform', name: 'sre' });
    assert.equal(a, b);
  });

  test('gives different keys to different kinds, namespaces or names', () => {
    const base: EntityName = { kind: 'Component', namespace: 'default', name: 'a' };
    const keys = new Set([
      refKey(base),
      refKey({ ...base, kind: 'API' }),
      refKey({ ...base, namespace: 'other' }),
      refKey({ ...base, name: 'b' }),
    ]);
    assert.equal(keys.size, 4);
  });
});

describe('formatRef', () => {
  test('lowercases kind and namespace and keeps the name as written', () => {
    assert.equal(
      formatRef({ kind: 'Component', namespace: 'Payments', name: 'CheckoutService' }),
      'component:payments/CheckoutService',
    );
  });

  test('lowercased, it equals refKey', () => {
    const name = { kind: 'API', namespace: 'Ns', name: 'Orders-API' };
    assert.equal(formatRef(name).toLowerCase(), refKey(name));
  });
});

describe('entityName', () => {
  test('uses the entity namespace when it has one', () => {
    const name = entityName({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Group',
      metadata: { name: 'sre', namespace: 'ops' },
    });
    assert.deepEqual(name, { kind: 'Group', namespace: 'ops', name: 'sre' });
  });

  test('falls back to the default namespace', () => {
    const name = entityName({ apiVersion: 'backstage.io/v1alpha1', kind: 'Group', metadata: { name: 'sre' } });
    assert.deepEqual(name, { kind: 'Group', namespace: DEFAULT_NAMESPACE, name: 'sre' });
    assert.equal(DEFAULT_NAMESPACE, 'default');
  });
});

describe('parseEntityRef', () => {
  const context = { defaultKind: 'Group', defaultNamespace: 'home' };

  const parses: [ref: string, expected: EntityName, why: string][] = [
    ['sre', { kind: 'Group', namespace: 'home', name: 'sre' }, 'a bare name takes the default kind and namespace'],
    ['user:jdoe', { kind: 'user', namespace: 'home', name: 'jdoe' }, 'a kind overrides the default kind'],
    [
      'platform/sre',
      { kind: 'Group', namespace: 'platform', name: 'sre' },
      'a namespace overrides the default namespace',
    ],
    [
      'group:platform/sre',
      { kind: 'group', namespace: 'platform', name: 'sre' },
      'a full reference keeps all three parts',
    ],
    [
      'Component:Payments/Checkout',
      { kind: 'Component', namespace: 'Payments', name: 'Checkout' },
      'the parts keep the case they were written in',
    ],
    ['a:b:c', { kind: 'a', namespace: 'home', name: 'b:c' }, 'only the first colon separates the kind'],
    ['a:b/c/d', { kind: 'a', namespace: 'b', name: 'c/d' }, 'only the first slash separates the namespace'],
    ['ns/a:b', { kind: 'Group', namespace: 'ns', name: 'a:b' }, 'a colon after the first slash belongs to the name'],
    ['k:ns/a:b', { kind: 'k', namespace: 'ns', name: 'a:b' }, 'a colon after the namespace belongs to the name'],
  ];
  for (const [ref, expected, why] of parses) {
    test(`parses ${JSON.stringify(ref)}: ${why}`, () => {
      assert.deepEqual(parseEntityRef(ref, context), expected);
    });
  }

  const rejects: [ref: string, message: RegExp][] = [
    [':x', /empty kind/],
    ['x:', /empty name/],
    ['/x', /empty namespace/],
    ['x/', /empty name/],
    ['k:/x', /empty namespace/],
    ['k:ns/', /empty name/],
    ['', /non-empty string/],
  ];
  for (const [ref, message] of rejects) {
    test(`rejects ${JSON.stringify(ref)} because a part is empty`, () => {
      assert.throws(
        () => parseEntityRef(ref, context),
        (err: unknown) => err instanceof EntityRefError && message.test(err.message),
      );
    });
  }

  test('rejects a reference without a kind when the field has no default kind', () => {
    assert.throws(() => parseEntityRef('orders-db', { defaultNamespace: 'default' }), EntityRefError);
    assert.throws(() => parseEntityRef('ns/a:b', { defaultNamespace: 'default' }), /no default kind/);
  });

  test('accepts a reference with a kind when the field has no default kind', () => {
    assert.deepEqual(parseEntityRef('resource:orders-db', { defaultNamespace: 'default' }), {
      kind: 'resource',
      namespace: 'default',
      name: 'orders-db',
    });
  });

  test('rejects a value that is not a string', () => {
    for (const value of [42, null, undefined, { name: 'x' }]) {
      assert.throws(() => parseEntityRef(value as unknown as string, context), EntityRefError);
    }
  });

  test('references that differ only in case resolve to the same key', () => {
    const a = refKey(parseEntityRef('Group:Platform/SRE', context));
    const b = refKey(parseEntityRef('group:platform/sre', context));
    assert.equal(a, b);
  });
});

describe('entityTitle', () => {
  const entity = (kind: string, title?: string, profile?: unknown) => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: { name: 'ada', ...(title ? { title } : {}) },
    ...(profile === undefined ? {} : { spec: { profile } }),
  });

  test('a User or Group is called by its profile display name, before its title', () => {
    assert.equal(entityTitle(entity('User', 'Ada L.', { displayName: 'Ada Lovelace' })), 'Ada Lovelace');
    assert.equal(entityTitle(entity('group', undefined, { displayName: 'Payments' })), 'Payments');
  });

  test('falls back to the title, then to nothing (the caller shows the name)', () => {
    assert.equal(entityTitle(entity('User', 'Ada L.', {})), 'Ada L.');
    assert.equal(entityTitle(entity('User', 'Ada L.', { displayName: '  ' })), 'Ada L.');
    assert.equal(entityTitle(entity('User', undefined, { displayName: 42 })), undefined);
    assert.equal(entityTitle(entity('User', undefined, 'not an object')), undefined);
    assert.equal(entityTitle(entity('User')), undefined);
  });

  test('other kinds keep their title even with a profile', () => {
    assert.equal(entityTitle(entity('Component', 'Payments', { displayName: 'Nope' })), 'Payments');
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import '../capabilities.ts';
import { knownKinds } from './kinds.ts';
import { refKey, type CoreKind, type Entity, type EntityName } from './model.ts';
import {
  danglingReferences,
  inverseOf,
  referencesOf,
  relationPairs,
  relationsOf,
  relationView,
  storedRelationsOf,
  suspiciousReferences,
  type Reference,
  type RelationType,
} from './relations.ts';

function entity(kind: string, spec: Record<string, unknown>, namespace?: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: namespace === undefined ? { name: 'self' } : { name: 'self', namespace },
    spec,
  };
}

interface FieldCase {
  kind: string;
  field: string;
  relation: RelationType;
  inverse: RelationType;
  /** undefined: the field has no default kind. */
  defaultKind?: string;
  list: boolean;
}

/** Every reference field of every core kind, as Backstage's BuiltinKindsEntityProcessor reads them. */
const FIELDS: FieldCase[] = [
  { kind: 'Component', field: 'owner', relation: 'ownedBy', inverse: 'ownerOf', defaultKind: 'Group', list: false },
  { kind: 'Component', field: 'system', relation: 'partOf', inverse: 'hasPart', defaultKind: 'System', list: false },
  {
    kind: 'Component',
    field: 'subcomponentOf',
    relation: 'partOf',
    inverse: 'hasPart',
    defaultKind: 'Component',
    list: false,
  },
  {
    kind: 'Component',
    field: 'providesApis',
    relation: 'providesApi',
    inverse: 'apiProvidedBy',
    defaultKind: 'API',
    list: true,
  },
  {
    kind: 'Component',
    field: 'consumesApis',
    relation: 'consumesApi',
    inverse: 'apiConsumedBy',
    defaultKind: 'API',
    list: true,
  },
  { kind: 'Component', field: 'dependsOn', relation: 'dependsOn', inverse: 'dependencyOf', list: true },
  { kind: 'Component', field: 'dependencyOf', relation: 'dependencyOf', inverse: 'dependsOn', list: true },
  { kind: 'API', field: 'owner', relation: 'ownedBy', inverse: 'ownerOf', defaultKind: 'Group', list: false },
  { kind: 'API', field: 'system', relation: 'partOf', inverse: 'hasPart', defaultKind: 'System', list: false },
  { kind: 'Resource', field: 'owner', relation: 'ownedBy', inverse: 'ownerOf', defaultKind: 'Group', list: false },
  { kind: 'Resource', field: 'system', relation: 'partOf', inverse: 'hasPart', defaultKind: 'System', list: false },
  { kind: 'Resource', field: 'dependsOn', relation: 'dependsOn', inverse: 'dependencyOf', list: true },
  { kind: 'Resource', field: 'dependencyOf', relation: 'dependencyOf', inverse: 'dependsOn', list: true },
  { kind: 'System', field: 'owner', relation: 'ownedBy', inverse: 'ownerOf', defaultKind: 'Group', list: false },
  { kind: 'System', field: 'domain', relation: 'partOf', inverse: 'hasPart', defaultKind: 'Domain', list: false },
  { kind: 'Domain', field: 'owner', relation: 'ownedBy', inverse: 'ownerOf', defaultKind: 'Group', list: false },
  { kind: 'Domain', field: 'subdomainOf', relation: 'partOf', inverse: 'hasPart', defaultKind: 'Domain', list: false },
  { kind: 'Group', field: 'parent', relation: 'childOf', inverse: 'parentOf', defaultKind: 'Group', list: false },
  { kind: 'Group', field: 'children', relation: 'parentOf', inverse: 'childOf', defaultKind: 'Group', list: true },
  { kind: 'Group', field: 'members', relation: 'hasMember', inverse: 'memberOf', defaultKind: 'User', list: true },
  { kind: 'User', field: 'memberOf', relation: 'memberOf', inverse: 'hasMember', defaultKind: 'Group', list: true },
  { kind: 'Flag', field: 'owner', relation: 'ownedBy', inverse: 'ownerOf', defaultKind: 'Group', list: false },
  { kind: 'Flag', field: 'service', relation: 'flagOf', inverse: 'hasFlag', defaultKind: 'Component', list: false },
  { kind: 'Template', field: 'owner', relation: 'ownedBy', inverse: 'ownerOf', defaultKind: 'Group', list: false },
  { kind: 'Rotation', field: 'owner', relation: 'ownedBy', inverse: 'ownerOf', defaultKind: 'Group', list: false },
  { kind: 'SLO', field: 'owner', relation: 'ownedBy', inverse: 'ownerOf', defaultKind: 'Group', list: false },
  { kind: 'SLO', field: 'service', relation: 'measures', inverse: 'measuredBy', defaultKind: 'Component', list: false },
  { kind: 'Job', field: 'owner', relation: 'ownedBy', inverse: 'ownerOf', defaultKind: 'Group', list: false },
  { kind: 'Job', field: 'service', relation: 'jobOf', inverse: 'hasJob', defaultKind: 'Component', list: false },
  { kind: 'Check', field: 'owner', relation: 'ownedBy', inverse: 'ownerOf', defaultKind: 'Group', list: false },
  { kind: 'Check', field: 'service', relation: 'checks', inverse: 'checkedBy', defaultKind: 'Component', list: false },
];

describe('relation types', () => {
  test('pairs every relation with its inverse in both directions', () => {
    const expected: [RelationType, RelationType][] = [
      ['ownedBy', 'ownerOf'],
      ['providesApi', 'apiProvidedBy'],
      ['consumesApi', 'apiConsumedBy'],
      ['dependsOn', 'dependencyOf'],
      ['partOf', 'hasPart'],
      ['memberOf', 'hasMember'],
      ['childOf', 'parentOf'],
      ['flagOf', 'hasFlag'],
      ['hasParticipant', 'participantOf'],
      ['measures', 'measuredBy'],
      ['jobOf', 'hasJob'],
      ['checks', 'checkedBy'],
    ];
    assert.deepEqual(
      relationPairs().map(([a, b]) => [a, b]),
      expected,
    );
    for (const [a, b] of expected) {
      assert.equal(inverseOf(a), b);
      assert.equal(inverseOf(b), a);
    }
  });

  test('the inverse of an inverse is the relation itself', () => {
    for (const type of relationPairs().flat()) {
      assert.equal(inverseOf(inverseOf(type)), type);
    }
  });

  test('throws for a relation it does not know', () => {
    assert.throws(() => inverseOf('friendOf' as RelationType), /No inverse/);
  });
});

describe('referencesOf and relationsOf, field by field', () => {
  for (const { kind, field, relation, inverse, defaultKind, list } of FIELDS) {
    const value = (ref: string) => (list ? [ref] : ref);
    const path = list ? ['spec', field, 0] : ['spec', field];
    const name = `${kind} spec.${field}`;

    if (defaultKind) {
      test(`${name} makes a ${relation} relation to a ${defaultKind} by default, in the entity's own namespace`, () => {
        const { references, issues } = referencesOf(kind, entity(kind, { [field]: value('target') }, 'ops'));
        assert.deepEqual(issues, []);
        assert.deepEqual(references, [
          { relation, target: { kind: defaultKind, namespace: 'ops', name: 'target' }, path },
        ]);
      });
    } else {
      test(`${name} has no default kind: a bare name is an invalid-reference issue`, () => {
        const { references, issues } = referencesOf(kind, entity(kind, { [field]: value('orders-db') }));
        assert.deepEqual(references, []);
        assert.equal(issues.length, 1);
        assert.equal(issues[0]?.code, 'invalid-reference');
        assert.deepEqual(issues[0]?.path, path);
        assert.match(issues[0]?.hint ?? '', new RegExp(`spec\\.${field}`));
      });
    }

    test(`${name} takes the kind and namespace written in the reference`, () => {
      const { references, issues } = referencesOf(
        kind,
        entity(kind, { [field]: value('resource:shared/target') }, 'ops'),
      );
      assert.deepEqual(issues, []);
      assert.deepEqual(references, [
        { relation, target: { kind: 'resource', namespace: 'shared', name: 'target' }, path },
      ]);
    });

    test(`${name} gives ${relation} from the entity and ${inverse} back to it`, () => {
      const source: EntityName = { kind, namespace: 'ops', name: 'Self' };
      const { references } = referencesOf(kind, entity(kind, { [field]: value('Other:Shared/Target') }, 'ops'));
      assert.deepEqual(relationsOf(source, references), [
        { source: `${kind.toLowerCase()}:ops/Self`, type: relation, target: 'other:shared/Target' },
        { source: 'other:shared/Target', type: inverse, target: `${kind.toLowerCase()}:ops/Self` },
      ]);
    });
  }

  test('uses the default namespace when the entity has none', () => {
    const { references } = referencesOf('Component', entity('Component', { owner: 'team-a' }));
    assert.deepEqual(references[0]?.target, { kind: 'Group', namespace: 'default', name: 'team-a' });
  });

  test('reads every element of a list field, with its index in the path', () => {
    const { references } = referencesOf('Group', entity('Group', { type: 'team', children: ['a', 'b', 'group:c'] }));
    assert.deepEqual(
      references.map((r) => [r.target.name, r.path]),
      [
        ['a', ['spec', 'children', 0]],
        ['b', ['spec', 'children', 1]],
        ['c', ['spec', 'children', 2]],
      ],
    );
  });

  test('reads all the reference fields of a kind together', () => {
    const spec = {
      type: 'service',
      lifecycle: 'production',
      owner: 'team-a',
      system: 'shop',
      subcomponentOf: 'platform',
      providesApis: ['orders-api'],
      consumesApis: ['payments-api'],
      dependsOn: ['resource:orders-db'],
      dependencyOf: ['component:frontend'],
    };
    const { references, issues } = referencesOf('Component', entity('Component', spec));
    assert.deepEqual(issues, []);
    assert.deepEqual(
      references.map((r) => `${r.relation} ${refKey(r.target)}`),
      [
        'ownedBy group:default/team-a',
        'partOf system:default/shop',
        'partOf component:default/platform',
        'providesApi api:default/orders-api',
        'consumesApi api:default/payments-api',
        'dependsOn resource:default/orders-db',
        'dependencyOf component:default/frontend',
      ],
    );
  });

  test('ignores fields that are not reference fields of the kind', () => {
    const cases: [CoreKind, Record<string, unknown>][] = [
      ['API', { dependsOn: ['resource:x'], providesApis: ['y'] }],
      ['System', { system: 'x', parent: 'y' }],
      ['Domain', { domain: 'x' }],
      ['Group', { owner: 'x', memberOf: ['y'] }],
      ['User', { members: ['x'], owner: 'y' }],
      ['Location', { target: './a.yaml', targets: ['./b.yaml'], owner: 'x' }],
    ];
    for (const [kind, spec] of cases) {
      assert.deepEqual(referencesOf(kind, entity(kind, spec)), { references: [], issues: [] }, kind);
    }
  });

  test('reads exactly the listed reference fields of each kind, Location having none', () => {
    const allFields = [...new Set(FIELDS.map((f) => f.field))];
    const spec = Object.fromEntries(allFields.map((field) => [field, ['kind:x']]));
    for (const kind of knownKinds()) {
      const { references } = referencesOf(kind, entity(kind, spec));
      assert.deepEqual(
        references.map((r) => r.path[1]),
        FIELDS.filter((f) => f.kind === kind).map((f) => f.field),
        kind,
      );
    }
  });

  test("reads a field inside each item of a list (a Rotation's layers' participants), with its path", () => {
    const { references, issues } = referencesOf(
      'Rotation',
      entity('Rotation', {
        owner: 'team',
        layers: [{ participants: ['ana', 'user:ops/ben'] }, 'not an object', { participants: 'cy' }, {}],
      }),
    );
    assert.deepEqual(
      references.filter((r) => r.relation === 'hasParticipant').map((r) => [r.target, r.path]),
      [
        [{ kind: 'User', namespace: 'default', name: 'ana' }, ['spec', 'layers', 0, 'participants', 0]],
        [{ kind: 'user', namespace: 'ops', name: 'ben' }, ['spec', 'layers', 0, 'participants', 1]],
        [{ kind: 'User', namespace: 'default', name: 'cy' }, ['spec', 'layers', 2, 'participants']],
      ],
    );
    assert.deepEqual(issues, []);
  });

  test('reports every unparseable reference and keeps the good ones', () => {
    const { references, issues } = referencesOf(
      'Component',
      entity('Component', { owner: ':x', dependsOn: ['resource:ok', 'bare', 'component:/x'] }),
    );
    assert.deepEqual(
      references.map((r) => r.target.name),
      ['ok'],
    );
    assert.deepEqual(
      issues.map((i) => [i.code, i.path]),
      [
        ['invalid-reference', ['spec', 'owner']],
        ['invalid-reference', ['spec', 'dependsOn', 1]],
        ['invalid-reference', ['spec', 'dependsOn', 2]],
      ],
    );
    for (const issue of issues) assert.ok(issue.message.length > 0 && issue.hint.length > 0);
  });

  test('reads a reference like Backstage: only the first colon and slash separate', () => {
    const { references } = referencesOf(
      'Component',
      entity('Component', { owner: 'ns/a:b', dependsOn: ['component:x/y/z'] }),
    );
    assert.deepEqual(
      references.map((r) => r.target),
      [
        { kind: 'Group', namespace: 'ns', name: 'a:b' },
        { kind: 'component', namespace: 'x', name: 'y/z' },
      ],
    );
  });
});

describe('relationsOf', () => {
  const source: EntityName = { kind: 'Component', namespace: 'Default', name: 'Checkout' };
  const ref = (relation: RelationType, kind: string, name: string, namespace = 'default'): Reference => ({
    relation,
    target: { kind, namespace, name },
    path: ['spec'],
  });

  test('writes refs in display form: kind and namespace lowercased, names as written', () => {
    assert.deepEqual(relationsOf(source, [ref('ownedBy', 'Group', 'Team-A', 'Ops')]), [
      { source: 'component:default/Checkout', type: 'ownedBy', target: 'group:ops/Team-A' },
      { source: 'group:ops/Team-A', type: 'ownerOf', target: 'component:default/Checkout' },
    ]);
  });

  test('drops relations repeated by references that differ only in case', () => {
    const relations = relationsOf(source, [
      ref('ownedBy', 'Group', 'team-a'),
      ref('ownedBy', 'group', 'TEAM-A'),
      ref('ownedBy', 'Group', 'team-a'),
    ]);
    assert.equal(relations.length, 2);
    assert.deepEqual(
      relations.map((r) => r.type),
      ['ownedBy', 'ownerOf'],
    );
  });

  test('keeps different relations to the same target', () => {
    const relations = relationsOf(source, [ref('dependsOn', 'Component', 'b'), ref('dependencyOf', 'Component', 'b')]);
    assert.deepEqual(
      relations.map((r) => `${r.source} ${r.type} ${r.target}`),
      [
        'component:default/Checkout dependsOn component:default/b',
        'component:default/b dependencyOf component:default/Checkout',
        'component:default/Checkout dependencyOf component:default/b',
        'component:default/b dependsOn component:default/Checkout',
      ],
    );
  });

  test('gives nothing for no references', () => {
    assert.deepEqual(relationsOf(source, []), []);
  });
});

describe('danglingReferences', () => {
  const refs: Reference[] = [
    { relation: 'ownedBy', target: { kind: 'Group', namespace: 'default', name: 'Team-A' }, path: ['spec', 'owner'] },
    { relation: 'partOf', target: { kind: 'System', namespace: 'default', name: 'shop' }, path: ['spec', 'system'] },
    {
      relation: 'dependsOn',
      target: { kind: 'resource', namespace: 'data', name: 'orders-db' },
      path: ['spec', 'dependsOn', 0],
    },
  ];

  test('returns the references whose target does not exist, in order', () => {
    const existing = new Set([refKey({ kind: 'System', namespace: 'default', name: 'shop' })]);
    assert.deepEqual(danglingReferences(refs, existing), [refs[0], refs[2]]);
  });

  test('matches targets case-insensitively by refKey', () => {
    const existing = new Set(['group:default/team-a', 'system:default/shop', 'resource:data/orders-db']);
    assert.deepEqual(danglingReferences(refs, existing), []);
  });

  test('treats a target in another namespace or of another kind as dangling', () => {
    const existing = new Set(['group:other/team-a', 'component:default/shop', 'resource:data/orders-db']);
    assert.deepEqual(danglingReferences(refs, existing), [refs[0], refs[1]]);
  });

  test('finds every reference dangling in an empty catalog', () => {
    assert.deepEqual(danglingReferences(refs, new Set()), refs);
  });
});

describe('stored relations and the relation view', () => {
  const me = { kind: 'Component', namespace: 'default', name: 'Checkout' };
  const to = (kind: string, name: string) => ({ kind, namespace: 'default', name });

  test('only the relations starting at the entity are stored', () => {
    const stored = storedRelationsOf(me, [
      { relation: 'ownedBy', target: to('Group', 'team-a'), path: ['spec', 'owner'] },
      { relation: 'dependsOn', target: to('Component', 'payments'), path: ['spec', 'dependsOn', 0] },
    ]);
    assert.deepEqual(stored, [
      { source: 'component:default/Checkout', type: 'ownedBy', target: 'group:default/team-a' },
      { source: 'component:default/Checkout', type: 'dependsOn', target: 'component:default/payments' },
    ]);
  });

  test('the view reads incoming rows backwards through their inverse, deduplicated and sorted', () => {
    const view = relationView(
      [{ source: 'group:default/team-a', type: 'parentOf', target: 'group:default/team-b' }],
      [
        { source: 'component:default/checkout', type: 'ownedBy', target: 'group:default/team-a' },
        { source: 'group:default/team-b', type: 'childOf', target: 'group:default/team-a' },
        { source: 'user:default/jane', type: 'memberOf', target: 'group:default/team-a' },
        { source: 'x:default/y', type: 'notARelation', target: 'group:default/team-a' },
      ],
    );
    assert.deepEqual(view, [
      { source: 'group:default/team-a', type: 'hasMember', target: 'user:default/jane' },
      { source: 'group:default/team-a', type: 'ownerOf', target: 'component:default/checkout' },
      { source: 'group:default/team-a', type: 'parentOf', target: 'group:default/team-b' },
    ]);
  });

  test('stored rows of every entity, viewed from each side, give exactly relationsOf', () => {
    const refs: Reference[] = [
      { relation: 'providesApi', target: to('API', 'orders'), path: ['spec', 'providesApis', 0] },
      { relation: 'partOf', target: to('System', 'shop'), path: ['spec', 'system'] },
    ];
    const stored = storedRelationsOf(me, refs);
    const both = relationsOf(me, refs);
    for (const target of ['api:default/orders', 'system:default/shop']) {
      const expected = both.filter((r) => r.source === target);
      assert.deepEqual(
        relationView(
          [],
          stored.filter((r) => r.target === target),
        ),
        expected,
        target,
      );
    }
  });
});

describe('suspicious references', () => {
  const warningsFor = (kind: string, spec: Record<string, unknown>) =>
    suspiciousReferences(referencesOf(kind, entity(kind, spec)).references).map((i) => ({
      code: i.code,
      path: i.path,
      severity: i.severity,
      hint: i.hint,
    }));

  test('a service: prefix is not a kind: the hint says a service is a Component and writes the fix', () => {
    const [warning, ...more] = warningsFor('Component', {
      type: 'service',
      lifecycle: 'x',
      owner: 'team-a',
      dependsOn: ['service:orders'],
    });
    assert.deepEqual(more, []);
    assert.deepEqual(
      [warning?.code, warning?.path, warning?.severity],
      ['reference-unknown-kind', ['spec', 'dependsOn', 0], 'warning'],
    );
    assert.match(warning?.hint ?? '', /`component:orders`/);
  });

  test('another unknown kind gets the list of kinds; known kinds in any case are fine', () => {
    const [warning] = warningsFor('Component', { owner: 'team:a' });
    assert.equal(warning?.code, 'reference-unknown-kind');
    assert.match(warning?.hint ?? '', /Component, API/);
    assert.deepEqual(
      warningsFor('Component', { owner: 'GROUP:a', dependsOn: ['resource:db', 'Component:x'], system: 's' }),
      [],
    );
  });

  test('an email as an owner suggests user:name or a group', () => {
    const [warning, ...more] = warningsFor('Component', { owner: 'jane.doe@example.com' });
    assert.deepEqual(more, []);
    assert.deepEqual([warning?.code, warning?.path], ['reference-email', ['spec', 'owner']]);
    assert.match(warning?.hint ?? '', /`user:jane\.doe`/);
    assert.match(warning?.hint ?? '', /group:/);
    assert.equal(warningsFor('Component', { owner: 'user:jane@example.com' })[0]?.code, 'reference-email');
  });

  test('a template placeholder says the file looks like a template skeleton', () => {
    for (const owner of [`\${{ values.owner }}`, '{{cookiecutter.owner}}']) {
      const [warning, ...more] = warningsFor('Component', { owner });
      assert.deepEqual(more, [], owner);
      assert.equal(warning?.code, 'reference-placeholder', owner);
      assert.match(warning?.hint ?? '', /looks like a template skeleton/);
    }
  });
});

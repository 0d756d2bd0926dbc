import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
// The Flag kind is registered by the capabilities' composition root.
import '../capabilities.ts';
import type { CoreKind } from './model.ts';
import {
  CORE_API_VERSIONS,
  isValidApiVersion,
  isValidKey,
  isValidName,
  isValidNamespace,
  isValidTag,
  specJsonSchema,
  validateEntity,
} from './schema.ts';

type Doc = Record<string, unknown> & { metadata: Record<string, unknown>; spec?: Record<string, unknown> };

/** A valid Component; tests change one thing about it. */
function component(): Doc {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'checkout' },
    spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
  };
}

function withMetadata(field: string, value: unknown): Doc {
  const doc = component();
  doc.metadata[field] = value;
  return doc;
}

function ofKind(kind: string, spec: unknown, apiVersion = 'backstage.io/v1alpha1'): Record<string, unknown> {
  return spec === undefined
    ? { apiVersion, kind, metadata: { name: 'x' } }
    : { apiVersion, kind, metadata: { name: 'x' }, spec };
}

/** The issues as code and path only, for comparisons. */
function found(value: unknown): { code: string; path: PropertyKey[] }[] {
  return validateEntity(value).issues.map(({ code, path }) => ({ code, path }));
}

/** Shows a test value readably in a test name. */
function show(value: unknown): string {
  if (typeof value === 'string' && value.length > 24) return `"${value.slice(0, 8)}…" (${value.length} chars)`;
  if (value === undefined) return 'undefined';
  return JSON.stringify(value);
}

const repeat = (s: string, n: number) => s.repeat(n);
/** DNS subdomains of 63-character labels, 253 characters (the longest allowed) and 254. */
const LABEL_63 = 'a'.repeat(63);
const SUBDOMAIN_253 = [LABEL_63, LABEL_63, LABEL_63, 'a'.repeat(61)].join('.');
const SUBDOMAIN_254 = [LABEL_63, LABEL_63, LABEL_63, 'a'.repeat(62)].join('.');

const NON_STRINGS: unknown[] = [42, true, null, {}, ['a'], { name: 'x' }];

describe('validateEntity on a valid document', () => {
  test('returns the entity and no issues', () => {
    const doc = component();
    const result = validateEntity(doc);
    assert.deepEqual(result.issues, []);
    assert.equal(result.entity, doc);
  });

  test('returns no entity when there is any issue', () => {
    const result = validateEntity(withMetadata('name', '-bad'));
    assert.equal(result.entity, undefined);
    assert.equal(result.issues.length, 1);
  });

  test('gives every issue a non-empty message and hint', () => {
    const result = validateEntity({
      apiVersion: 'x/y/z',
      kind: 'Component',
      metadata: { name: '-', tags: ['Bad'] },
      spec: {},
      extra: 1,
    });
    assert.ok(result.issues.length > 3);
    for (const issue of result.issues) {
      assert.ok(issue.message.length > 0, issue.code);
      assert.ok(issue.hint.length > 0, issue.code);
    }
  });

  test('rejects a document that is not a mapping', () => {
    for (const value of [null, 'text', 42, ['a'], undefined]) {
      assert.deepEqual(found(value), [{ code: 'invalid-document', path: [] }], show(value));
    }
  });
});

describe('metadata.name', () => {
  const valid = [
    'a',
    'Z',
    '0',
    'ab',
    'a-b',
    'a_b',
    'a.b',
    'a--b',
    '1a',
    'Checkout-Service_v2.1',
    repeat('a', 63),
    `a${repeat('-', 61)}b`,
  ];
  const invalid = [
    '',
    repeat('a', 64),
    '-a',
    'a-',
    '_a',
    'a_',
    '.a',
    'a.',
    'a b',
    ' a',
    'a/b',
    'a:b',
    'a@b',
    'é',
    'naïve',
    'a😀',
    'ａ',
  ];

  for (const name of valid) {
    test(`accepts the name ${show(name)}`, () => {
      assert.equal(isValidName(name), true);
      assert.deepEqual(found(withMetadata('name', name)), []);
    });
  }
  for (const name of invalid) {
    test(`rejects the name ${show(name)} as invalid-name`, () => {
      assert.equal(isValidName(name), false);
      assert.deepEqual(found(withMetadata('name', name)), [{ code: 'invalid-name', path: ['metadata', 'name'] }]);
    });
  }
  for (const name of [`\${{ values.name }}`, '{{cookiecutter.component_id}}', '{{ .Values.name }}-api']) {
    test(`says the name ${show(name)} looks like a template skeleton`, () => {
      const { issues } = validateEntity(withMetadata('name', name));
      assert.deepEqual(
        issues.map((i) => i.code),
        ['invalid-name'],
      );
      assert.match(issues[0]?.hint ?? '', /looks like a template skeleton/);
    });
  }
  test('gives a plain invalid name the format hint, not the skeleton one', () => {
    assert.doesNotMatch(validateEntity(withMetadata('name', 'a b')).issues[0]?.hint ?? '', /skeleton/);
  });
  for (const name of NON_STRINGS) {
    test(`rejects a name that is not a string: ${show(name)}`, () => {
      assert.deepEqual(found(withMetadata('name', name)), [{ code: 'invalid-name', path: ['metadata', 'name'] }]);
    });
  }

  test('reports a missing name as missing-field on metadata', () => {
    const doc = component();
    delete doc.metadata.name;
    assert.deepEqual(found(doc), [{ code: 'missing-field', path: ['metadata'] }]);
  });

  test('reports missing or non-mapping metadata as missing-field', () => {
    for (const metadata of [undefined, null, 'checkout', ['name']]) {
      const doc: Record<string, unknown> = component();
      doc.metadata = metadata;
      assert.deepEqual(found(doc), [{ code: 'missing-field', path: ['metadata'] }], show(metadata));
    }
  });
});

describe('metadata.namespace', () => {
  const valid = ['default', 'a', '0', 'a-b', 'a--b', 'team1-prod2', repeat('a', 63)];
  const invalid = ['', repeat('a', 64), 'Default', 'DEFAULT', 'a_b', 'a.b', '-a', 'a-', 'a b', 'é', 'ns/x'];

  for (const namespace of valid) {
    test(`accepts the namespace ${show(namespace)}`, () => {
      assert.equal(isValidNamespace(namespace), true);
      assert.deepEqual(found(withMetadata('namespace', namespace)), []);
    });
  }
  for (const namespace of invalid) {
    test(`rejects the namespace ${show(namespace)} as invalid-namespace`, () => {
      assert.equal(isValidNamespace(namespace), false);
      assert.deepEqual(found(withMetadata('namespace', namespace)), [
        { code: 'invalid-namespace', path: ['metadata', 'namespace'] },
      ]);
    });
  }
  for (const namespace of NON_STRINGS) {
    test(`rejects a namespace that is not a string: ${show(namespace)}`, () => {
      assert.deepEqual(found(withMetadata('namespace', namespace)), [
        { code: 'invalid-namespace', path: ['metadata', 'namespace'] },
      ]);
    });
  }

  test('treats the namespace as optional', () => {
    assert.deepEqual(found(component()), []);
  });
});

describe('kind', () => {
  const core = ['Component', 'API', 'Resource', 'System', 'Domain', 'Group', 'User', 'Location'];
  for (const kind of core) {
    test(`knows the core kind ${kind}`, () => {
      const result = validateEntity(ofKind(kind, undefined));
      assert.ok(!result.issues.some((i) => i.path[0] === 'kind'), JSON.stringify(result.issues));
    });
  }

  test('matches core kinds case-insensitively', () => {
    for (const kind of ['component', 'COMPONENT', 'cOmPoNeNt']) {
      const doc = component();
      doc.kind = kind;
      assert.deepEqual(found(doc), [], kind);
    }
  });

  const malformed = ['1Component', 'Com-ponent', 'Com_ponent', 'Com ponent', 'Kömponent', `K${repeat('a', 63)}`, '-'];
  for (const kind of malformed) {
    test(`rejects the kind ${show(kind)} as invalid-kind`, () => {
      assert.deepEqual(found(ofKind(kind, {})), [{ code: 'invalid-kind', path: ['kind'] }]);
    });
  }

  for (const kind of [42, true, {}, ['Component']]) {
    test(`rejects a kind that is not a string as invalid-kind: ${show(kind)}`, () => {
      assert.deepEqual(found(ofKind(kind as string, {})), [{ code: 'invalid-kind', path: ['kind'] }]);
    });
  }

  for (const kind of [undefined, null, '']) {
    test(`reports the kind ${show(kind)} as missing-field`, () => {
      const doc: Record<string, unknown> = component();
      doc.kind = kind;
      assert.deepEqual(found(doc), [{ code: 'missing-field', path: ['kind'] }]);
    });
  }

  test('skips a well-formed kind it does not read with an unknown-kind warning, up to 63 characters', () => {
    for (const kind of ['AiResource', 'Widget', `K${repeat('a', 62)}`]) {
      const result = validateEntity(ofKind(kind, { anything: true }));
      assert.equal(result.entity, undefined, `${kind} is skipped`);
      assert.deepEqual(
        result.issues.map(({ code, path, severity }) => ({ code, path, severity })),
        [{ code: 'unknown-kind', path: ['kind'], severity: 'warning' }],
        kind,
      );
      assert.match(result.issues[0]?.message ?? '', /skipped/);
    }
  });

  test('does not check anything else of a document of an unknown kind: it is skipped, not wrong', () => {
    const doc = { apiVersion: 'a/b/c', kind: 'Widget', metadata: { name: 'Not Valid' }, spec: 'text', extra: 1 };
    assert.deepEqual(found(doc), [{ code: 'unknown-kind', path: ['kind'] }]);
  });
});

describe('apiVersion', () => {
  const valid = [
    'v1',
    'V1',
    'backstage.io/v1alpha1',
    'backstage.io/v1beta1',
    'my-company.net/v1',
    'a/b',
    `example.com/${repeat('v', 63)}`,
    `${SUBDOMAIN_253}/v1`,
  ];
  const invalid = [
    '',
    '/',
    'a/b/c',
    'backstage.io/v1/extra',
    '/v1',
    'backstage.io/',
    'Backstage.io/v1',
    'back_stage.io/v1',
    '-backstage.io/v1',
    'backstage-.io/v1',
    'backstage..io/v1',
    'backstage.io/v1-alpha',
    'backstage.io/v1.0',
    'backstage.io/v1_0',
    'backstage.io/vé',
    `example.com/${repeat('v', 64)}`,
    repeat('v', 64),
    `${SUBDOMAIN_254}/v1`,
  ];
  for (const apiVersion of valid) {
    test(`accepts the apiVersion format ${show(apiVersion)}`, () => {
      assert.equal(isValidApiVersion(apiVersion), true);
    });
  }
  for (const apiVersion of invalid) {
    test(`rejects the apiVersion format ${show(apiVersion)}`, () => {
      assert.equal(isValidApiVersion(apiVersion), false);
    });
  }

  test('accepts exactly backstage.io/v1alpha1 and backstage.io/v1beta1 for core kinds', () => {
    assert.deepEqual(CORE_API_VERSIONS, ['backstage.io/v1alpha1', 'backstage.io/v1beta1']);
    for (const apiVersion of CORE_API_VERSIONS) {
      const doc = component();
      doc.apiVersion = apiVersion;
      assert.deepEqual(found(doc), [], apiVersion);
    }
  });

  test('rejects a well-formed but foreign apiVersion for a core kind', () => {
    for (const apiVersion of [
      'backstage.io/v1',
      'backstage.io/v1alpha2',
      'example.com/v1alpha1',
      'v1alpha1',
      'backstage2.io/v1alpha1',
    ]) {
      const doc = component();
      doc.apiVersion = apiVersion;
      assert.deepEqual(found(doc), [{ code: 'invalid-api-version', path: ['apiVersion'] }], apiVersion);
    }
  });

  test("says a known kind in another tool's apiVersion is that tool's file, not a catalog entity", () => {
    const hintFor = (apiVersion: string) => {
      const doc = component();
      doc.apiVersion = apiVersion;
      const { issues } = validateEntity(doc);
      assert.deepEqual(
        issues.map((i) => i.code),
        ['invalid-api-version'],
        apiVersion,
      );
      return issues[0]?.hint ?? '';
    };
    assert.match(hintFor('kustomize.config.k8s.io/v1alpha1'), /^This is a Kustomize file, not a catalog entity/);
    assert.match(hintFor('v1'), /^This is a Kubernetes manifest, not a catalog entity/);
    assert.match(hintFor('gateway.networking.k8s.io/v1'), /^This is a Kubernetes manifest/);
    assert.match(hintFor('example.com/v1alpha1'), /^This is a file of another tool \(example\.com\)/);
    // A Backstage group with a wrong version is a typo, not another tool's file.
    assert.equal(hintFor('backstage.io/v1alpha2'), 'Use backstage.io/v1alpha1 or backstage.io/v1beta1.');
  });

  test('reports a malformed apiVersion on a document as invalid-api-version', () => {
    const doc = component();
    doc.apiVersion = 'backstage.io/v1/alpha';
    assert.deepEqual(found(doc), [{ code: 'invalid-api-version', path: ['apiVersion'] }]);
  });

  for (const apiVersion of [undefined, null, '']) {
    test(`reports the apiVersion ${show(apiVersion)} as missing-field`, () => {
      const doc: Record<string, unknown> = component();
      doc.apiVersion = apiVersion;
      assert.deepEqual(found(doc), [{ code: 'missing-field', path: ['apiVersion'] }]);
    });
  }

  for (const apiVersion of [1, {}, ['backstage.io/v1alpha1']]) {
    test(`reports an apiVersion that is not a string as invalid-api-version: ${show(apiVersion)}`, () => {
      const doc: Record<string, unknown> = component();
      doc.apiVersion = apiVersion;
      assert.deepEqual(found(doc), [{ code: 'invalid-api-version', path: ['apiVersion'] }]);
    });
  }
});

describe('label and annotation keys', () => {
  const valid = [
    'a',
    'app',
    'Team_Name.v2',
    repeat('k', 63),
    'backstage.io/custom',
    'example.com/a_b.c-D',
    'github.com/project-slug',
    'a/b',
    `${SUBDOMAIN_253}/x`,
    `example.com/${repeat('k', 63)}`,
  ];
  const invalid = [
    '',
    '/',
    '/a',
    'a/',
    'a/b/c',
    'Example.com/a',
    'ex_ample.com/a',
    '-example.com/a',
    'example.com/-a',
    'example.com/a-',
    repeat('k', 64),
    `example.com/${repeat('k', 64)}`,
    `${SUBDOMAIN_254}/x`,
    'a b',
    'é',
    'example.com/é',
  ];

  for (const key of valid) {
    test(`accepts the key ${show(key)} for labels and annotations`, () => {
      assert.equal(isValidKey(key), true);
      assert.deepEqual(found(withMetadata('labels', { [key]: 'v' })), []);
      assert.deepEqual(found(withMetadata('annotations', { [key]: 'v' })), []);
    });
  }
  for (const key of invalid) {
    test(`rejects the key ${show(key)} as invalid-label and invalid-annotation`, () => {
      assert.equal(isValidKey(key), false);
      assert.deepEqual(found(withMetadata('labels', { [key]: 'v' })), [
        { code: 'invalid-label', path: ['metadata', 'labels', key] },
      ]);
      assert.deepEqual(found(withMetadata('annotations', { [key]: 'v' })), [
        { code: 'invalid-annotation', path: ['metadata', 'annotations', key] },
      ]);
    });
  }
});

describe('label values', () => {
  const valid = ['', 'v', 'ValueStuff', 'a-b_c.d', '1', repeat('v', 63)];
  const invalid = [repeat('v', 64), '-a', 'a-', '.a', 'a b', 'Random value Generator', 'é', 'a/b', 'a:b'];
  for (const value of valid) {
    test(`accepts the label value ${show(value)}`, () => {
      assert.deepEqual(found(withMetadata('labels', { tier: value })), []);
    });
  }
  for (const value of [...invalid, ...NON_STRINGS]) {
    test(`rejects the label value ${show(value)} as invalid-label`, () => {
      assert.deepEqual(found(withMetadata('labels', { tier: value })), [
        { code: 'invalid-label', path: ['metadata', 'labels', 'tier'] },
      ]);
    });
  }

  test('reports labels that are not a mapping as invalid-field', () => {
    for (const labels of ['tier=1', ['tier'], 42, null]) {
      assert.deepEqual(
        found(withMetadata('labels', labels)),
        [{ code: 'invalid-field', path: ['metadata', 'labels'] }],
        show(labels),
      );
    }
  });

  test('reports every bad label, not only the first', () => {
    assert.deepEqual(found(withMetadata('labels', { good: 'ok', '/bad': 'x', worse: 'a b' })), [
      { code: 'invalid-label', path: ['metadata', 'labels', '/bad'] },
      { code: 'invalid-label', path: ['metadata', 'labels', 'worse'] },
    ]);
  });
});

describe('annotation values', () => {
  for (const value of [
    '',
    'any text at all',
    'https://example.com/a?b=c#d',
    'ünïcödé ✓',
    repeat('x', 5000),
    'multi\nline',
  ]) {
    test(`accepts the annotation value ${show(value)}`, () => {
      assert.deepEqual(found(withMetadata('annotations', { 'example.com/x': value })), []);
    });
  }
  for (const value of NON_STRINGS) {
    test(`rejects an annotation value that is not a string: ${show(value)}`, () => {
      assert.deepEqual(found(withMetadata('annotations', { 'example.com/x': value })), [
        { code: 'invalid-annotation', path: ['metadata', 'annotations', 'example.com/x'] },
      ]);
    });
  }

  test('reports annotations that are not a mapping as invalid-field', () => {
    for (const annotations of ['a: b', ['a'], 42, null]) {
      assert.deepEqual(
        found(withMetadata('annotations', annotations)),
        [{ code: 'invalid-field', path: ['metadata', 'annotations'] }],
        show(annotations),
      );
    }
  });
});

describe('metadata.tags', () => {
  const valid = ['java', 'a', '0', 'c++', 'c#', 'f#', 'k8s:prod', 'a-b', 'a-b-c', 'a:b-c+d#e', repeat('t', 63)];
  const invalid = ['', repeat('t', 64), 'Java', 'JAVA', 'a--b', '-a', 'a-', 'a_b', 'a.b', 'a b', 'a/b', 'é', 'ß'];
  for (const tag of valid) {
    test(`accepts the tag ${show(tag)}`, () => {
      assert.equal(isValidTag(tag), true);
      assert.deepEqual(found(withMetadata('tags', [tag])), []);
    });
  }
  for (const tag of invalid) {
    test(`rejects the tag ${show(tag)} as invalid-tag`, () => {
      assert.equal(isValidTag(tag), false);
      assert.deepEqual(found(withMetadata('tags', ['ok', tag])), [
        { code: 'invalid-tag', path: ['metadata', 'tags', 1] },
      ]);
    });
  }
  for (const tag of NON_STRINGS) {
    test(`rejects a tag that is not a string: ${show(tag)}`, () => {
      assert.deepEqual(found(withMetadata('tags', [tag])), [{ code: 'invalid-tag', path: ['metadata', 'tags', 0] }]);
    });
  }

  test('reports tags that are not a list as invalid-field', () => {
    for (const tags of ['java', { java: true }, 42, null]) {
      assert.deepEqual(
        found(withMetadata('tags', tags)),
        [{ code: 'invalid-field', path: ['metadata', 'tags'] }],
        show(tags),
      );
    }
  });

  test('accepts an empty list of tags', () => {
    assert.deepEqual(found(withMetadata('tags', [])), []);
  });
});

describe('metadata.links', () => {
  const valid: unknown[] = [
    { url: 'https://example.com' },
    { url: 'https://example.com/dash', title: 'Dashboard', icon: 'dashboard', type: 'admin' },
    { url: 'mailto:team@example.com' },
    { url: 'http://localhost:8080/x?y=z' },
    { url: 'https://example.com', extra: 'tolerated' },
  ];
  for (const link of valid) {
    test(`accepts the link ${show(link)}`, () => {
      assert.deepEqual(found(withMetadata('links', [link])), []);
    });
  }

  const withoutUrl: unknown[] = [
    {},
    { title: 'x' },
    { url: '' },
    { url: 42 },
    { url: null },
    'https://example.com',
    null,
    42,
  ];
  for (const link of withoutUrl) {
    test(`rejects the link ${show(link)} as invalid-link because it has no url`, () => {
      assert.deepEqual(found(withMetadata('links', [link])), [
        { code: 'invalid-link', path: ['metadata', 'links', 0] },
      ]);
    });
  }

  for (const url of ['./docs/runbook.md', 'example.com', 'not a url', '/absolute/path', '//example.com', 'http://']) {
    test(`rejects the url ${show(url)} because new URL() cannot parse it`, () => {
      assert.throws(() => new URL(url));
      assert.deepEqual(found(withMetadata('links', [{ url }])), [
        { code: 'invalid-link', path: ['metadata', 'links', 0, 'url'] },
      ]);
    });
  }

  for (const field of ['title', 'icon', 'type']) {
    for (const value of ['', 42, null, {}]) {
      test(`rejects a link ${field} of ${show(value)}`, () => {
        assert.deepEqual(found(withMetadata('links', [{ url: 'https://example.com', [field]: value }])), [
          { code: 'invalid-link', path: ['metadata', 'links', 0, field] },
        ]);
      });
    }
  }

  for (const icon of ['dashboard', 'github', 'Docs', 'kind.icon_2']) {
    test(`accepts the link icon name ${show(icon)}`, () => {
      assert.deepEqual(found(withMetadata('links', [{ url: 'https://example.com', icon }])), []);
    });
  }

  // Backstage's field-format policy holds icons to the entity-name format.
  for (const icon of ['https://example.com/icon.png', 'my icon', 'fa:github', '-dash', 'dash-', 'x'.repeat(64), ' ']) {
    test(`rejects the link icon ${show(icon)}, which is not a valid name, as Backstage does`, () => {
      const { issues } = validateEntity(withMetadata('links', [{ url: 'https://example.com', icon }]));
      assert.deepEqual(
        issues.map(({ code, path }) => ({ code, path })),
        [{ code: 'invalid-link', path: ['metadata', 'links', 0, 'icon'] }],
      );
      if (icon.trim()) assert.match(issues[0]?.hint ?? '', /dashboard/);
    });
  }

  test('reports every bad link and every bad field of a link', () => {
    const links = [{ url: 'https://ok.example.com' }, { url: 'relative', title: '', icon: '' }, {}];
    assert.deepEqual(found(withMetadata('links', links)), [
      { code: 'invalid-link', path: ['metadata', 'links', 1, 'url'] },
      { code: 'invalid-link', path: ['metadata', 'links', 1, 'title'] },
      { code: 'invalid-link', path: ['metadata', 'links', 1, 'icon'] },
      { code: 'invalid-link', path: ['metadata', 'links', 2] },
    ]);
  });

  test('reports links that are not a list as invalid-field', () => {
    for (const links of ['https://example.com', { url: 'https://example.com' }, 42, null]) {
      assert.deepEqual(
        found(withMetadata('links', links)),
        [{ code: 'invalid-field', path: ['metadata', 'links'] }],
        show(links),
      );
    }
  });
});

describe('metadata.title and metadata.description', () => {
  test('accepts a non-empty title and any string description, including an empty one', () => {
    assert.deepEqual(found(withMetadata('title', 'Checkout Service ✓')), []);
    assert.deepEqual(found(withMetadata('description', '')), []);
    assert.deepEqual(found(withMetadata('description', 'Line one\nline two')), []);
  });

  for (const title of ['', 42, null, {}, ['t']]) {
    test(`rejects the title ${show(title)} as invalid-field`, () => {
      assert.deepEqual(found(withMetadata('title', title)), [{ code: 'invalid-field', path: ['metadata', 'title'] }]);
    });
  }

  for (const description of [42, null, {}, ['d'], true]) {
    test(`rejects the description ${show(description)} as invalid-field`, () => {
      assert.deepEqual(found(withMetadata('description', description)), [
        { code: 'invalid-field', path: ['metadata', 'description'] },
      ]);
    });
  }
});

describe('top-level fields', () => {
  for (const key of ['extra', 'status', 'relations', 'Spec', 'name', 'owner']) {
    test(`reports the root field ${show(key)} as unknown-root-field`, () => {
      const doc = component();
      doc[key] = 'x';
      assert.deepEqual(found(doc), [{ code: 'unknown-root-field', path: [key] }]);
    });
  }

  test('tolerates extra keys inside metadata', () => {
    const doc = withMetadata('uid', 'e01199ab');
    doc.metadata.custom = { nested: [1, 2, { deep: true }] };
    doc.metadata.generation = 3;
    assert.deepEqual(found(doc), []);
  });

  test('tolerates extra keys inside the spec of every core kind', () => {
    for (const { kind, spec } of REQUIRED) {
      assert.deepEqual(found(ofKind(kind, { ...spec, 'x-custom': { anything: [1, 'two'] }, tier: 3 })), [], kind);
    }
    assert.deepEqual(found(ofKind('Location', { target: './a.yaml', rules: [{ allow: ['Component'] }] })), []);
  });
});

interface KindCase {
  kind: CoreKind;
  variant?: string;
  spec: Record<string, unknown>;
  /** Required string fields. */
  text: string[];
  /** Required list fields. */
  lists: string[];
}

const REQUIRED: KindCase[] = [
  {
    kind: 'Component',
    spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
    text: ['type', 'lifecycle', 'owner'],
    lists: [],
  },
  {
    kind: 'API',
    spec: { type: 'openapi', lifecycle: 'production', owner: 'team-a', definition: 'openapi: 3.0.0' },
    text: ['type', 'lifecycle', 'owner', 'definition'],
    lists: [],
  },
  {
    kind: 'API',
    variant: 'of type mcp-server',
    spec: {
      type: 'mcp-server',
      lifecycle: 'experimental',
      owner: 'team-a',
      remotes: [{ type: 'streamable-http', url: 'http://mcp.internal:7007/api/mcp' }],
    },
    text: ['lifecycle', 'owner'],
    lists: ['remotes'],
  },
  { kind: 'Resource', spec: { type: 'database', owner: 'team-a' }, text: ['type', 'owner'], lists: [] },
  { kind: 'System', spec: { owner: 'team-a' }, text: ['owner'], lists: [] },
  { kind: 'Domain', spec: { owner: 'team-a' }, text: ['owner'], lists: [] },
  { kind: 'Group', spec: { type: 'team', children: [] }, text: ['type'], lists: ['children'] },
  // Backstage's User schema requires spec.memberOf (the list may be empty).
  { kind: 'User', spec: { memberOf: [] }, text: [], lists: ['memberOf'] },
];

describe('required spec fields', () => {
  for (const { kind, variant, spec, text, lists } of REQUIRED) {
    const label = variant ? `${kind} ${variant}` : kind;

    test(`accepts a ${label} with just its required fields`, () => {
      assert.deepEqual(found(ofKind(kind, spec)), []);
    });

    test(`reports a ${label} without a spec as missing-field`, () => {
      assert.deepEqual(found(ofKind(kind, undefined)), [{ code: 'missing-field', path: ['spec'] }]);
    });

    for (const field of [...text, ...lists]) {
      test(`reports a ${label} without spec.${field} as missing-field at spec.${field}`, () => {
        const { [field]: _dropped, ...rest } = spec;
        assert.deepEqual(found(ofKind(kind, rest)), [{ code: 'missing-field', path: ['spec', field] }]);
      });

      for (const wrong of [42, true, { a: 1 }]) {
        test(`reports a ${label} whose spec.${field} is ${show(wrong)} as invalid-field`, () => {
          assert.deepEqual(found(ofKind(kind, { ...spec, [field]: wrong })), [
            { code: 'invalid-field', path: ['spec', field] },
          ]);
        });
      }
    }

    for (const field of text) {
      test(`reports a ${label} whose spec.${field} is empty or null as invalid-field`, () => {
        assert.deepEqual(found(ofKind(kind, { ...spec, [field]: '' })), [
          { code: 'invalid-field', path: ['spec', field] },
        ]);
        assert.deepEqual(found(ofKind(kind, { ...spec, [field]: null })), [
          { code: 'invalid-field', path: ['spec', field] },
        ]);
        assert.deepEqual(found(ofKind(kind, { ...spec, [field]: ['x'] })), [
          { code: 'invalid-field', path: ['spec', field] },
        ]);
      });
    }

    test(`reports every missing field of a ${label} at once`, () => {
      const issues = found(ofKind(kind, {}));
      const expected = kind === 'API' ? ['type', 'lifecycle', 'owner', 'definition'] : [...text, ...lists];
      assert.deepEqual(
        issues,
        expected.map((field) => ({ code: 'missing-field', path: ['spec', field] })),
      );
    });

    for (const bad of ['text', ['a'], 42, null]) {
      test(`reports a ${label} whose spec is ${show(bad)} as invalid-field`, () => {
        assert.deepEqual(found(ofKind(kind, bad)), [{ code: 'invalid-field', path: ['spec'] }]);
      });
    }
  }

  test('accepts a Group with children, members, parent and a profile', () => {
    const spec = {
      type: 'team',
      parent: 'org',
      children: ['sub-a', 'group:ops/sub-b'],
      members: ['jdoe'],
      profile: { displayName: 'SRE', email: 'sre@example.com' },
    };
    assert.deepEqual(found(ofKind('Group', spec)), []);
  });

  test('reports a bad element of a reference list at its index', () => {
    assert.deepEqual(found(ofKind('Group', { type: 'team', children: ['ok', '', 42] })), [
      { code: 'invalid-field', path: ['spec', 'children', 1] },
      { code: 'invalid-field', path: ['spec', 'children', 2] },
    ]);
  });

  const optionalRefs: [CoreKind, Record<string, unknown>, string[], string[]][] = [
    [
      'Component',
      (REQUIRED[0] as (typeof REQUIRED)[number]).spec,
      ['system', 'subcomponentOf'],
      ['providesApis', 'consumesApis', 'dependsOn', 'dependencyOf'],
    ],
    ['API', (REQUIRED[1] as (typeof REQUIRED)[number]).spec, ['system'], []],
    ['Resource', (REQUIRED[3] as (typeof REQUIRED)[number]).spec, ['system'], ['dependsOn', 'dependencyOf']],
    ['System', (REQUIRED[4] as (typeof REQUIRED)[number]).spec, ['domain', 'type'], []],
    ['Domain', (REQUIRED[5] as (typeof REQUIRED)[number]).spec, ['subdomainOf', 'type'], []],
    ['Group', (REQUIRED[6] as (typeof REQUIRED)[number]).spec, ['parent'], ['members']],
  ];
  for (const [kind, spec, singles, lists] of optionalRefs) {
    for (const field of singles) {
      test(`checks the optional ${kind} spec.${field}: a string is fine, an empty string or a number is invalid-field`, () => {
        assert.deepEqual(found(ofKind(kind, { ...spec, [field]: 'x' })), []);
        assert.deepEqual(found(ofKind(kind, { ...spec, [field]: '' })), [
          { code: 'invalid-field', path: ['spec', field] },
        ]);
        assert.deepEqual(found(ofKind(kind, { ...spec, [field]: 7 })), [
          { code: 'invalid-field', path: ['spec', field] },
        ]);
      });
    }
    for (const field of lists) {
      test(`checks the optional ${kind} spec.${field}: a list of strings is fine, a bare string or a bad element is invalid-field`, () => {
        assert.deepEqual(found(ofKind(kind, { ...spec, [field]: ['x', 'resource:y'] })), []);
        assert.deepEqual(found(ofKind(kind, { ...spec, [field]: [] })), []);
        assert.deepEqual(found(ofKind(kind, { ...spec, [field]: 'x' })), [
          { code: 'invalid-field', path: ['spec', field] },
        ]);
        assert.deepEqual(found(ofKind(kind, { ...spec, [field]: ['x', ''] })), [
          { code: 'invalid-field', path: ['spec', field, 1] },
        ]);
      });
    }
  }
});

describe('API specs', () => {
  const base = { lifecycle: 'production', owner: 'team-a' };

  test('an mcp-server API needs remotes and not a definition, as in Backstage', () => {
    assert.deepEqual(found(ofKind('API', { ...base, type: 'mcp-server', definition: 'x' })), [
      { code: 'missing-field', path: ['spec', 'remotes'] },
    ]);
  });

  test('an mcp-server API needs at least one remote', () => {
    assert.deepEqual(found(ofKind('API', { ...base, type: 'mcp-server', remotes: [] })), [
      { code: 'invalid-field', path: ['spec', 'remotes'] },
    ]);
  });

  test('each remote of an mcp-server API needs a type and a url', () => {
    assert.deepEqual(
      found(
        ofKind('API', {
          ...base,
          type: 'mcp-server',
          remotes: [{ type: 'sse' }, { url: 'stdio-cmd' }, { type: '', url: 'x' }],
        }),
      ),
      [
        { code: 'missing-field', path: ['spec', 'remotes', 0, 'url'] },
        { code: 'missing-field', path: ['spec', 'remotes', 1, 'type'] },
        { code: 'invalid-field', path: ['spec', 'remotes', 2, 'type'] },
      ],
    );
  });

  test('an API of another type with remotes but no definition is missing its definition', () => {
    assert.deepEqual(
      found(ofKind('API', { ...base, type: 'openapi', remotes: [{ type: 'http', url: 'https://x' }] })),
      [{ code: 'missing-field', path: ['spec', 'definition'] }],
    );
  });

  test('reports the missing fields of an API one by one, not as one failed alternative', () => {
    assert.deepEqual(found(ofKind('API', { type: 'graphql', definition: 'type Query { a: Int }' })), [
      { code: 'missing-field', path: ['spec', 'lifecycle'] },
      { code: 'missing-field', path: ['spec', 'owner'] },
    ]);
  });
});

describe('User specs', () => {
  test('a User without spec.memberOf is an error, as in Backstage, whose hint offers the empty list', () => {
    assert.deepEqual(found(ofKind('User', undefined)), [{ code: 'missing-field', path: ['spec'] }]);
    const [issue, ...more] = validateEntity(ofKind('User', { profile: { displayName: 'Jenny Doe' } })).issues;
    assert.deepEqual(more, []);
    assert.deepEqual(issue?.path, ['spec', 'memberOf']);
    assert.equal(issue?.code, 'missing-field');
    assert.match(issue?.hint ?? '', /memberOf: \[\]/);
  });

  test('a User memberOf may be empty', () => {
    assert.deepEqual(found(ofKind('User', { memberOf: [] })), []);
    assert.deepEqual(
      found(
        ofKind('User', {
          memberOf: ['team-a', 'group:ops/sre'],
          profile: { displayName: 'Jenny Doe', email: 'j@example.com', picture: 'https://x/p.png' },
        }),
      ),
      [],
    );
  });

  test('a User memberOf must be a list of non-empty strings', () => {
    assert.deepEqual(found(ofKind('User', { memberOf: 'team-a' })), [
      { code: 'invalid-field', path: ['spec', 'memberOf'] },
    ]);
    assert.deepEqual(found(ofKind('User', { memberOf: [42] })), [
      { code: 'invalid-field', path: ['spec', 'memberOf', 0] },
    ]);
  });

  test('a User profile must hold non-empty strings', () => {
    assert.deepEqual(found(ofKind('User', { memberOf: [], profile: { displayName: '' } })), [
      { code: 'invalid-field', path: ['spec', 'profile', 'displayName'] },
    ]);
    assert.deepEqual(found(ofKind('User', { memberOf: [], profile: 'Jenny' })), [
      { code: 'invalid-field', path: ['spec', 'profile'] },
    ]);
  });

  test('a User spec that is present must be a mapping', () => {
    assert.deepEqual(found(ofKind('User', ['team-a'])), [{ code: 'invalid-field', path: ['spec'] }]);
  });
});

describe('Location specs', () => {
  for (const spec of [
    { target: './a.yaml' },
    { targets: ['./a.yaml', './b/*.yaml'] },
    { targets: [] },
    { target: './a.yaml', targets: ['./b.yaml'] },
    { type: 'file', target: './a.yaml', presence: 'optional' },
    { target: './a.yaml', presence: 'required' },
  ]) {
    test(`accepts the Location spec ${show(spec)}`, () => {
      assert.deepEqual(found(ofKind('Location', spec)), []);
    });
  }

  test('reports a Location with neither target nor targets as missing-field', () => {
    assert.deepEqual(found(ofKind('Location', {})), [{ code: 'missing-field', path: ['spec', 'target'] }]);
    assert.deepEqual(found(ofKind('Location', { type: 'file' })), [
      { code: 'missing-field', path: ['spec', 'target'] },
    ]);
  });

  test('reports a bad presence and a missing target together', () => {
    assert.deepEqual(found(ofKind('Location', { presence: 'sometimes' })), [
      { code: 'invalid-field', path: ['spec', 'presence'] },
      { code: 'missing-field', path: ['spec', 'target'] },
    ]);
  });

  test('reports an empty or non-string target and a non-list targets as invalid-field', () => {
    assert.deepEqual(found(ofKind('Location', { target: '' })), [{ code: 'invalid-field', path: ['spec', 'target'] }]);
    assert.deepEqual(found(ofKind('Location', { target: 42 })), [{ code: 'invalid-field', path: ['spec', 'target'] }]);
    assert.deepEqual(found(ofKind('Location', { targets: './a.yaml' })), [
      { code: 'invalid-field', path: ['spec', 'targets'] },
    ]);
    assert.deepEqual(found(ofKind('Location', { targets: ['./a.yaml', ''] })), [
      { code: 'invalid-field', path: ['spec', 'targets', 1] },
    ]);
  });
});

describe('reporting', () => {
  test('reports every issue of a document at once', () => {
    const doc = {
      apiVersion: 'backstage.io/v1/alpha',
      kind: 'Component',
      metadata: {
        name: '-checkout',
        namespace: 'Payments',
        title: '',
        labels: { '/tier': 'x' },
        annotations: { 'example.com/n': 1 },
        tags: ['Java'],
        links: [{ url: 'relative' }],
      },
      spec: { type: 'service', lifecycle: 42 },
      owner: 'team-a',
    };
    assert.deepEqual(found(doc), [
      { code: 'invalid-api-version', path: ['apiVersion'] },
      { code: 'unknown-root-field', path: ['owner'] },
      { code: 'invalid-name', path: ['metadata', 'name'] },
      { code: 'invalid-namespace', path: ['metadata', 'namespace'] },
      { code: 'invalid-field', path: ['metadata', 'title'] },
      { code: 'invalid-label', path: ['metadata', 'labels', '/tier'] },
      { code: 'invalid-annotation', path: ['metadata', 'annotations', 'example.com/n'] },
      { code: 'invalid-tag', path: ['metadata', 'tags', 0] },
      { code: 'invalid-link', path: ['metadata', 'links', 0, 'url'] },
      { code: 'invalid-field', path: ['spec', 'lifecycle'] },
      { code: 'missing-field', path: ['spec', 'owner'] },
    ]);
  });

  test('names the missing field in the message', () => {
    const [issue] = validateEntity(ofKind('Component', { type: 'service', lifecycle: 'production' })).issues;
    assert.match(issue?.message ?? '', /spec\.owner/);
  });
});

describe('specJsonSchema', () => {
  test('describes the required fields of each kind', () => {
    const required = (kind: CoreKind) => (specJsonSchema(kind) as { required?: string[] }).required ?? [];
    assert.deepEqual(required('Component').sort(), ['lifecycle', 'owner', 'type']);
    assert.deepEqual(required('Resource').sort(), ['owner', 'type']);
    assert.deepEqual(required('Group').sort(), ['children', 'type']);
    assert.deepEqual(required('User'), ['memberOf']);
  });

  test('describes both shapes of an API', () => {
    const schema = specJsonSchema('API') as { anyOf?: unknown[] };
    assert.equal(schema.anyOf?.length, 2);
  });
});

describe('the Flag kind (apiVersion atrium.dev/v1)', () => {
  const flag = (spec: Record<string, unknown> = {}, apiVersion = 'atrium.dev/v1'): Doc => ({
    apiVersion,
    kind: 'Flag',
    metadata: { name: 'new-checkout', description: 'The one-page checkout' },
    spec: {
      owner: 'payments',
      service: 'checkout',
      type: 'release',
      strategies: [
        {
          name: 'flexibleRollout',
          parameters: { rollout: '10', stickiness: 'default', groupId: 'new-checkout' },
          constraints: [{ contextName: 'region', operator: 'IN', values: ['eu'] }],
        },
      ],
      environments: { production: { enabled: true }, staging: { enabled: true, strategies: [{ name: 'default' }] } },
      ...spec,
    },
  });
  const codesAt = (doc: Doc) => validateEntity(doc).issues.map((i) => `${i.code} ${i.path.join('.')}`);

  test('a flag with an owner, a service, a type, strategies and environments is valid', () => {
    assert.deepEqual(validateEntity(flag()).issues, []);
  });

  test('is defined for atrium.dev/v1 only, and the Backstage kinds are not defined for it', () => {
    assert.deepEqual(codesAt(flag({}, 'backstage.io/v1alpha1')), ['invalid-api-version apiVersion']);
    assert.deepEqual(codesAt({ ...component(), apiVersion: 'atrium.dev/v1' }), ['invalid-api-version apiVersion']);
  });

  test('requires an owner, a service and one of the five types', () => {
    const { owner: _owner, service: _service, ...rest } = flag().spec as Record<string, unknown>;
    assert.deepEqual(codesAt({ ...flag(), spec: rest }).sort(), [
      'missing-field spec.owner',
      'missing-field spec.service',
    ]);
    assert.deepEqual(codesAt(flag({ type: 'forever' })), ['invalid-field spec.type']);
    assert.deepEqual(codesAt(flag({ environments: { 'bad env': { enabled: true } } })), [
      'invalid-field spec.environments.bad env',
    ]);
    assert.deepEqual(codesAt(flag({ environments: { production: { enabled: 'yes' } } })), [
      'invalid-field spec.environments.production.enabled',
    ]);
  });

  test('the flag engine checks strategies, constraints and per-environment strategies, with their path', () => {
    const issues = validateEntity(
      flag({
        strategies: [
          {
            name: 'flexibleRollout',
            parameters: { rollout: '10' },
            constraints: [{ contextName: 'email', operator: 'REGEX', value: '(' }],
          },
        ],
        environments: {
          production: {
            enabled: true,
            strategies: [
              { name: 'default', constraints: [{ contextName: 'x', operator: 'LOOKS_LIKE', values: ['y'] }] },
            ],
          },
        },
      }),
    ).issues;
    const paths = issues.map((i) => i.path.join('.'));
    assert.ok(
      paths.some((p) => p.startsWith('spec.strategies.0.constraints.0')),
      paths.join(', '),
    );
    assert.ok(
      paths.some((p) => p.startsWith('spec.environments.production.strategies.0.constraints.0')),
      paths.join(', '),
    );
    assert.ok(issues.every((i) => i.code === 'invalid-flag' && i.message.startsWith('spec.')));
  });
});

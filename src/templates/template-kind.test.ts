import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
// The Template kind is registered by the capabilities' composition root.
import '../capabilities.ts';
import { validateEntity } from '../catalog/schema.ts';

/** A v1beta3 Template shaped like Backstage's own example; tests change one thing about it. */
function template(spec: Record<string, unknown> = {}, apiVersion = 'scaffolder.backstage.io/v1beta3') {
  return {
    apiVersion,
    kind: 'Template',
    metadata: { name: 'react-ssr-template', title: 'React SSR Template' },
    spec: {
      owner: 'web-team',
      type: 'website',
      parameters: [
        {
          title: 'Provide some simple information',
          required: ['name'],
          properties: { name: { title: 'Name', type: 'string', 'ui:autofocus': true } },
        },
      ],
      steps: [
        {
          id: 'fetch',
          name: 'Fetch',
          action: 'fetch:template',
          input: { url: './skeleton', values: { name: `\${{ parameters.name }}` } },
        },
        {
          id: 'publish',
          action: 'publish:github',
          input: { repoUrl: `\${{ parameters.repoUrl }}` },
          if: `\${{ parameters.repoUrl }}`,
        },
      ],
      output: {
        links: [{ title: 'Repository', url: `\${{ steps.publish.output.remoteUrl }}` }],
        remoteUrl: `\${{ steps.publish.output.remoteUrl }}`,
      },
      ...spec,
    },
  };
}

const codes = (value: unknown) =>
  validateEntity(value).issues.map((i) => `${i.severity ?? 'error'} ${i.code} ${i.path.join('.')}`);

describe('the Template kind', () => {
  test('a v1beta3 template like Backstage’s example is valid, with no problem at all', () => {
    const result = validateEntity(template());
    assert.deepEqual(result.issues, []);
    assert.ok(result.entity);
  });

  test('parameters may be one schema instead of a list; owner, lifecycle and output are optional', () => {
    assert.deepEqual(codes(template({ parameters: { properties: { name: { type: 'string' } } } })), []);
    const { owner: _o, output: _out, ...bare } = template().spec;
    assert.deepEqual(codes({ ...template(), spec: bare }), []);
  });

  test('spec.type and spec.steps are required, as in Backstage', () => {
    const { type: _t, steps: _s, ...rest } = template().spec;
    assert.deepEqual(codes({ ...template(), spec: rest }), [
      'error missing-field spec.type',
      'error missing-field spec.steps',
    ]);
    assert.deepEqual(codes({ ...template(), spec: undefined }), ['error missing-field spec']);
  });

  test('each step needs an action; its input is a mapping and its if a string or a boolean', () => {
    assert.deepEqual(codes(template({ steps: [{ id: 'x' }] })), ['error missing-field spec.steps.0.action']);
    assert.deepEqual(codes(template({ steps: [{ action: 'a', input: ['x'] }] })), [
      'error invalid-field spec.steps.0.input',
    ]);
    assert.deepEqual(codes(template({ steps: [{ action: 'a', if: 3 }] })), ['error invalid-field spec.steps.0.if']);
    assert.deepEqual(codes(template({ steps: [{ action: 'a', if: false }] })), []);
    assert.deepEqual(codes(template({ steps: 'fetch' })), ['error invalid-field spec.steps']);
  });

  test('parameters are a mapping or a list of mappings, nothing else', () => {
    for (const parameters of ['name', 42, ['name'], [{ properties: {} }, 3]])
      assert.equal(
        codes(template({ parameters })).every((c) => c.startsWith('error invalid-field spec.parameters')),
        true,
        JSON.stringify(parameters),
      );
    for (const parameters of ['name', 42]) assert.notDeepEqual(codes(template({ parameters })), []);
  });

  test('output values besides links and text are strings', () => {
    assert.deepEqual(codes(template({ output: { url: 42 } })), ['error invalid-field spec.output.url']);
    assert.deepEqual(codes(template({ output: { links: [{ url: '' }] } })), [
      'error invalid-field spec.output.links.0.url',
    ]);
  });

  test('the legacy backstage.io/v1beta2 is read with a deprecation warning, the entity kept', () => {
    const result = validateEntity(template({}, 'backstage.io/v1beta2'));
    assert.ok(result.entity);
    assert.deepEqual(codes(template({}, 'backstage.io/v1beta2')), ['warning deprecated-api-version apiVersion']);
    assert.match(result.issues[0]?.hint ?? '', /scaffolder\.backstage\.io\/v1beta3/);
  });

  test('the legacy backstage.io/v1alpha1 has its own shape: type, templater and schema', () => {
    const legacy = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Template',
      metadata: { name: 'react-ssr-template' },
      spec: {
        type: 'website',
        templater: 'cookiecutter',
        path: '.',
        schema: { required: ['component_id'], properties: {} },
      },
    };
    assert.deepEqual(codes(legacy), ['warning deprecated-api-version apiVersion']);
    assert.deepEqual(codes({ ...legacy, spec: { type: 'website' } }), [
      'warning deprecated-api-version apiVersion',
      'error missing-field spec.templater',
      'error missing-field spec.schema',
    ]);
    // The v1beta3 shape is not the v1alpha1 one.
    assert.deepEqual(codes(template({}, 'backstage.io/v1alpha1')).slice(1), [
      'error missing-field spec.templater',
      'error missing-field spec.schema',
    ]);
  });

  test('other apiVersions are refused, naming the three it reads', () => {
    const [issue] = validateEntity(template({}, 'scaffolder.backstage.io/v1beta2')).issues;
    assert.equal(issue?.code, 'invalid-api-version');
    assert.match(
      issue?.hint ?? '',
      /scaffolder\.backstage\.io\/v1beta3 or backstage\.io\/v1beta2 or backstage\.io\/v1alpha1/,
    );
  });

  test('is matched case-insensitively, like every kind', () => {
    assert.deepEqual(codes({ ...template(), kind: 'template' }), []);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { templateOutline } from './template-outline.ts';

test('a list of parameter schemas is one form each: fields in order, titles, types, required ones marked', () => {
  const outline = templateOutline({
    parameters: [
      {
        title: 'Basics',
        required: ['name'],
        properties: { name: { title: 'Name', type: 'string' }, owner: { type: 'string', 'ui:field': 'OwnerPicker' } },
      },
      { properties: { port: { type: ['integer', 'null'] }, flag: true } },
    ],
    steps: [
      { id: 'fetch', name: 'Fetch', action: 'fetch:template' },
      { action: 'publish:github', if: `\${{ parameters.publish }}` },
    ],
  });
  assert.deepEqual(outline, {
    forms: [
      {
        title: 'Basics',
        fields: [
          { key: 'name', title: 'Name', type: 'string', required: true },
          { key: 'owner', title: undefined, type: 'string', required: false },
        ],
      },
      {
        title: undefined,
        fields: [
          { key: 'port', title: undefined, type: 'integer or null', required: false },
          { key: 'flag', title: undefined, type: undefined, required: false },
        ],
      },
    ],
    steps: [
      { id: 'fetch', name: 'Fetch', action: 'fetch:template', conditional: false },
      { id: undefined, name: undefined, action: 'publish:github', conditional: true },
    ],
    templater: undefined,
    path: undefined,
  });
});

test('one parameter schema is one form; a v1alpha1 template has its schema, templater and path, and no steps', () => {
  assert.equal(templateOutline({ parameters: { properties: { a: {} } }, steps: [] }).forms.length, 1);
  assert.deepEqual(
    templateOutline({
      type: 'service',
      templater: 'cookiecutter',
      path: '.',
      schema: { properties: { id: { title: 'Id' } }, required: ['id'] },
    }),
    {
      forms: [{ title: undefined, fields: [{ key: 'id', title: 'Id', type: undefined, required: true }] }],
      steps: [],
      templater: 'cookiecutter',
      path: '.',
    },
  );
});

test('whatever the spec holds, the outline is made of what fits and never throws', () => {
  for (const spec of [
    undefined,
    null,
    42,
    'x',
    [],
    { parameters: 'x', steps: 'y' },
    { parameters: [null, 3], steps: [null, 4, { action: 7 }] },
    { parameters: { properties: [1], required: 'name' } },
  ]) {
    const outline = templateOutline(spec);
    assert.ok(Array.isArray(outline.forms) && Array.isArray(outline.steps), JSON.stringify(spec));
  }
  assert.deepEqual(templateOutline({ steps: [{ action: 7 }] }).steps, [
    { id: undefined, name: undefined, action: '', conditional: false },
  ]);
});

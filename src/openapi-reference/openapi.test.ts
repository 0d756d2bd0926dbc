import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseOpenApi, type ApiReference, type Operation, type SchemaView } from './openapi.ts';
import {
  acmeDefinitions,
  CYCLES_30,
  EVENTS_31,
  ORDERS_30,
  PETS_SWAGGER_20,
  SUNSET_30,
} from '../../test/support/openapi-documents.ts';

function parse(text: string): ApiReference {
  const result = parseOpenApi(text);
  if (!result.ok) assert.fail(`expected the document to parse: ${result.error}`);
  return result.doc;
}

function failure(text: string): string {
  const result = parseOpenApi(text);
  assert.equal(result.ok, false, 'expected the document to be refused');
  return result.ok ? '' : result.error;
}

function operation(doc: ApiReference, id: string): Operation {
  const found = [...doc.groups.flatMap((g) => g.operations), ...doc.webhooks].find((o) => o.operationId === id);
  return found ?? assert.fail(`no operation ${id}`);
}

function schema(doc: ApiReference, name: string): SchemaView {
  return doc.schemas.find((s) => s.name === name)?.schema ?? assert.fail(`no schema ${name}`);
}

function prop(view: SchemaView | undefined, name: string): SchemaView {
  return view?.properties.find((p) => p.name === name)?.schema ?? assert.fail(`no property ${name}`);
}

describe('parseOpenApi', () => {
  test('every OpenAPI document in examples/acme parses without notices', () => {
    const docs = acmeDefinitions();
    assert.ok(docs.length >= 10, 'the example catalog has OpenAPI documents');
    for (const [path, text] of docs) {
      const doc = parse(text);
      assert.ok(doc.info.title, path);
      assert.ok(doc.groups.length > 0, path);
      assert.deepEqual(doc.notices, [], path);
    }
  });

  test('an OpenAPI 3.0 document yields info, servers, tags and operations grouped by tag in document order', () => {
    const doc = parse(ORDERS_30);
    assert.deepEqual(doc.info, { title: 'Orders API', version: '1.2.0', description: 'Place and track **orders**.' });
    assert.deepEqual([doc.format, doc.specVersion], ['openapi', '3.0.3']);
    assert.deepEqual(doc.servers, [{ url: 'https://api.example.com/v1', description: 'Production' }]);
    assert.deepEqual(doc.tags, [
      { name: 'Orders', description: 'Order lifecycle.' },
      { name: 'Admin', description: undefined },
    ]);
    // Declared tags first (Admin has no operations), then tags only operations name, untagged last.
    assert.deepEqual(
      doc.groups.map((g) => [g.tag, g.description, g.operations.map((o) => o.operationId)]),
      [
        ['Orders', 'Order lifecycle.', ['listOrders', 'getOrder', 'replaceOrder']],
        ['Reports', undefined, ['listReports']],
        [undefined, undefined, ['health']],
      ],
    );
  });

  test('parameters merge path-level and operation-level ones, following $refs', () => {
    const doc = parse(ORDERS_30);
    const get = operation(doc, 'getOrder');
    assert.deepEqual(
      get.parameters.map((p) => [p.name, p.in, p.required, p.description]),
      [
        ['orderId', 'path', true, undefined],
        ['verbose', 'query', false, 'Include line items.'],
      ],
    );
    assert.equal(get.parameters[1]?.schema?.default, 'false');
    const limit = operation(doc, 'listOrders').parameters[0];
    assert.equal(limit?.name, 'limit');
    assert.deepEqual(limit?.schema?.constraints, [
      { keyword: 'exclusiveMinimum', value: '1' },
      { keyword: 'maximum', value: '100' },
    ]);
    assert.equal(limit?.schema?.default, '20');
    assert.deepEqual(operation(doc, 'listOrders').parameters[1]?.schema?.enum, ['"open"', '"shipped"']);
  });

  test('request bodies and responses carry content types, schemas, examples and headers', () => {
    const doc = parse(ORDERS_30);
    const put = operation(doc, 'replaceOrder');
    assert.equal(put.requestBody?.required, true);
    assert.equal(put.requestBody?.description, 'The new order.');
    assert.equal(put.requestBody?.content[0]?.type, 'application/json');
    assert.equal(put.requestBody?.content[0]?.schema?.name, 'Order');
    assert.deepEqual(put.requestBody?.content[0]?.examples[0], {
      value: '{\n  "id": "ord_1",\n  "total": 99\n}',
      language: 'json',
      truncated: false,
    });

    const list = operation(doc, 'listOrders').responses[0];
    assert.equal(list?.status, '200');
    assert.deepEqual(
      list?.headers.map((h) => [h.name, h.description, h.schema?.types]),
      [['X-Total-Count', 'Total orders.', ['integer']]],
    );
    const array = list?.content[0]?.schema;
    assert.deepEqual(array?.types, ['array']);
    assert.equal(array?.items?.name, 'Order');

    const [ok, notFound] = operation(doc, 'getOrder').responses;
    assert.deepEqual(
      ok?.content[0]?.examples.map((e) => [e.name, e.summary]),
      [
        ['small', 'A small order'],
        ['fromComponents', 'A big order'],
      ],
    );
    assert.equal(notFound?.description, 'Not found.');
    assert.equal(notFound?.content[0]?.type, 'application/problem+json');
    assert.equal(notFound?.content[0]?.schema?.name, 'Problem');
  });

  test('schemas show required, nullable, read-only and constraints; allOf merges into one object when it can', () => {
    const doc = parse(ORDERS_30);
    const order = schema(doc, 'Order');
    assert.deepEqual(
      order.properties.map((p) => [p.name, p.required]),
      [
        ['id', true],
        ['total', false],
        ['note', false],
      ],
    );
    assert.equal(prop(order, 'id').readOnly, true);
    assert.equal(prop(order, 'note').nullable, true);
    assert.equal(prop(order, 'total').description, 'Minor units.');

    const extended = schema(doc, 'Extended');
    assert.equal(extended.description, 'Base with more.');
    assert.deepEqual(extended.combines, ['Base']);
    assert.deepEqual(
      extended.properties.map((p) => [p.name, p.required]),
      [
        ['id', true],
        ['extra', true],
      ],
    );
    assert.deepEqual(extended.allOf, []);
    // A member with a oneOf cannot be merged honestly: the members are listed instead.
    assert.deepEqual(
      schema(doc, 'Mixed').allOf.map((m) => m.name ?? m.oneOf.length),
      ['Base', 2],
    );
    const pet = schema(doc, 'Pet');
    assert.deepEqual([pet.oneOf.map((m) => m.name), pet.discriminator], [['Order', 'Problem'], 'kind']);
  });

  test('OpenAPI 3.1 type arrays, const, examples, webhooks and annotations beside $ref are read', () => {
    const doc = parse(EVENTS_31);
    const event = schema(doc, 'Event');
    assert.deepEqual([prop(event, 'location').types, prop(event, 'location').nullable], [['string'], true]);
    assert.deepEqual([prop(event, 'nothing').types, prop(event, 'nothing').nullable], [['null'], false]);
    assert.deepEqual(prop(event, 'id').examples, ['"evt_1"']);
    assert.deepEqual(prop(event, 'score').constraints, [
      { keyword: 'exclusiveMinimum', value: '0' },
      { keyword: 'exclusiveMaximum', value: '10' },
    ]);
    assert.equal(prop(event, 'kind').const, '"created"');
    const source = prop(event, 'source');
    assert.deepEqual(
      [source.name, source.types, source.description, source.deprecated],
      ['Source', ['string'], 'Where the event came from.', true],
    );
    assert.deepEqual(
      doc.webhooks.map((w) => [w.method, w.path, w.operationId]),
      [['post', 'eventCreated', 'onEventCreated']],
    );
    assert.equal(doc.webhooks[0]?.requestBody?.content[0]?.schema?.name, 'Event');
  });

  test('a Swagger 2.0 document is read on a best-effort basis: servers, parameters, bodies, responses and definitions', () => {
    const doc = parse(PETS_SWAGGER_20);
    assert.deepEqual([doc.format, doc.specVersion], ['swagger', '2.0']);
    assert.deepEqual(doc.servers, [{ url: 'https://pets.example.com/v1' }]);
    const list = operation(doc, 'listPets');
    assert.deepEqual(
      list.parameters.map((p) => [p.name, p.in, p.required, p.schema?.types, p.schema?.format, p.description]),
      [
        ['limit', 'query', false, ['integer'], 'int32', 'How many.'],
        ['X-Tenant', 'header', true, ['string'], undefined, undefined],
      ],
    );
    const ok = list.responses[0];
    assert.deepEqual(
      [ok?.status, ok?.content[0]?.type, ok?.content[0]?.schema?.items?.name],
      ['200', 'application/json', 'Pet'],
    );
    assert.match(ok?.content[0]?.examples[0]?.value ?? '', /"name": "Rex"/);
    assert.deepEqual(
      ok?.headers.map((h) => [h.name, h.schema?.types, h.description]),
      [['X-Next', ['string'], 'Next page.']],
    );
    const create = operation(doc, 'createPet');
    assert.deepEqual([create.requestBody?.required, create.requestBody?.content[0]?.schema?.name], [true, 'Pet']);
    const upload = operation(doc, 'uploadPhoto');
    assert.deepEqual(
      upload.parameters.map((p) => p.name),
      ['id'],
    );
    const form = upload.requestBody?.content[0];
    assert.equal(form?.type, 'multipart/form-data');
    assert.deepEqual(
      form?.schema?.properties.map((p) => [p.name, p.required, p.schema.types]),
      [
        ['file', true, ['file']],
        ['caption', false, ['string']],
      ],
    );
    assert.equal(prop(schema(doc, 'Pet'), 'tag').nullable, true);
  });

  test('deprecated and x-sunset are kept on operations, path items, parameters and properties', () => {
    const doc = parse(SUNSET_30);
    assert.deepEqual(
      [operation(doc, 'listThingsV1').deprecated, operation(doc, 'listThingsV1').sunset],
      [true, '2026-12-31'],
    );
    // The operation's own x-sunset wins over its path item's.
    assert.deepEqual(
      [operation(doc, 'createThingV1').deprecated, operation(doc, 'createThingV1').sunset],
      [true, '2026-06-30'],
    );
    const current = operation(doc, 'listThings');
    assert.deepEqual([current.deprecated, current.sunset], [false, undefined]);
    assert.deepEqual([current.parameters[0]?.deprecated, current.parameters[0]?.sunset], [true, '2026-01-01']);
    // The response names Thing, which the schemas section shows (with its properties) and the operation links to.
    const body = current.responses[0]?.content[0]?.schema;
    assert.deepEqual([body?.name, body?.properties], ['Thing', []]);
    const legacy = prop(schema(doc, 'Thing'), 'legacyId');
    assert.deepEqual([legacy.deprecated, legacy.sunset], [true, '2026-03-31']);
  });

  test('reference cycles end in a reference by name instead of recursing', () => {
    const doc = parse(CYCLES_30);
    // An operation names Node, shown once in the schemas section: nothing to recurse into there.
    const node = operation(doc, 'getNode').responses[0]?.content[0]?.schema;
    assert.deepEqual([node?.name, node?.properties, node?.ref], ['Node', [], undefined]);
    // In the schemas section a schema is on the stack from the start.
    const section = schema(doc, 'Node');
    assert.deepEqual(prop(section, 'children').items?.ref, { target: '#/components/schemas/Node', reason: 'circular' });
    const owner = prop(section, 'owner');
    assert.deepEqual([owner.name, owner.properties], ['Person', []], 'another listed schema: a link');
    assert.equal(prop(schema(doc, 'Person'), 'manager').ref?.reason, 'circular');
    assert.deepEqual(
      [prop(schema(doc, 'Person'), 'favourite').name, prop(schema(doc, 'Person'), 'favourite').ref],
      ['Node', undefined],
    );
    // An alias is a link to the schema it names (shown once, on its own): a loop of aliases ends at the first link.
    assert.deepEqual([schema(doc, 'Loop').name, schema(doc, 'Loop').ref], ['Loop2', undefined]);
    assert.deepEqual([schema(doc, 'Loop2').name, schema(doc, 'Loop2').ref], ['Loop', undefined]);
    assert.equal(schema(doc, 'SelfAll').allOf[0]?.ref?.reason, 'circular');
  });

  test('remote references are kept as text; missing ones are flagged; JSON pointer escapes are decoded', () => {
    const doc = parse(CYCLES_30);
    assert.deepEqual(schema(doc, 'Remote').ref, {
      target: 'https://schemas.example.com/common.yaml#/Money',
      reason: 'remote',
    });
    assert.deepEqual(schema(doc, 'Sibling').ref, {
      target: 'common.yaml#/components/schemas/Address',
      reason: 'remote',
    });
    assert.deepEqual(schema(doc, 'Missing').ref, { target: '#/components/schemas/DoesNotExist', reason: 'missing' });
    assert.deepEqual(schema(doc, 'Escaped').name, 'a/b~c');
    assert.equal(schema(doc, 'a/b~c').description, 'Slash and tilde.');
    assert.deepEqual(schema(doc, 'Percent').types, ['integer']);
    // A parameter kept in another file cannot be shown; the others still are, and the page is told.
    assert.deepEqual(
      operation(doc, 'getNode').parameters.map((p) => p.name),
      ['id'],
    );
    assert.ok(doc.notices.some((n) => n.includes('https://example.com/common.yaml#/parameters/Tenant')));
  });

  test('JSON text is accepted as well as YAML', () => {
    const doc = parse(
      JSON.stringify({
        openapi: '3.1.0',
        info: { title: 'J', version: '1' },
        paths: { '/a': { get: { responses: { 200: { description: 'ok' } } } } },
      }),
    );
    assert.equal(doc.groups[0]?.operations[0]?.path, '/a');
  });

  test('invalid YAML, other documents and non-objects are refused with a reason', () => {
    assert.match(failure('openapi: 3.0.0\ninfo: [unclosed\npaths: {}\n'), /^invalid YAML at line \d+, column \d+: /);
    assert.match(failure('{"openapi": "3.0.0", "info": '), /^invalid YAML/);
    for (const text of ['- a\n- b\n', '"just a string"', '42', 'null', '', '# only a comment\n']) {
      assert.equal(failure(text), 'the document is not a mapping of OpenAPI fields', JSON.stringify(text));
    }
    assert.match(failure('info: { title: Not OpenAPI }\n'), /not an OpenAPI 3\.x or Swagger 2\.0 document/);
    assert.match(failure('asyncapi: 2.6.0\ninfo: { title: Events, version: "1" }\n'), /not an OpenAPI/);
    assert.match(failure('openapi: 3.0.0\n---\nopenapi: 3.0.0\n'), /more than one YAML document/);
    assert.ok(parse('openapi: 3.0\ninfo: { title: Unquoted version, version: 1 }\n'));
  });
});

describe('parseOpenApi on hostile documents', () => {
  // Bounds here are counts (aliases expanded, properties listed, schema nodes), never wall time:
  // how fast the work is belongs to the benchmarks, and a busy machine must not fail a test.
  test('an alias bomb is refused by its alias count, before expanding', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const [prev, name] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    assert.match(failure(`openapi: 3.0.0\n${levels.join('\n')}\n`), /alias/i);
  });

  test('very deep YAML nesting is refused, repeatedly, without crashing the process', () => {
    // The YAML composer recurses per level; Node once aborted on the second such document.
    const texts = [
      `openapi: 3.0.0\nx: ${'['.repeat(5000)}${']'.repeat(5000)}`,
      `openapi: 3.0.0\nx:\n${'- '.repeat(5000)}x`,
      `{"openapi":"3.0.0","x":${'{"a":'.repeat(5000)}`,
    ];
    for (const text of texts) {
      for (let i = 0; i < 3; i++) assert.equal(failure(text), 'the document nests too deeply to read');
    }
  });

  test('a deeply nested schema in JSON is cut at the depth limit with a notice', () => {
    const depth = 20_000;
    const deep = `${'{"type":"object","properties":{"child":'.repeat(depth)}{"type":"string"}${'}}'.repeat(depth)}`;
    const doc = parse(
      `{"openapi":"3.1.0","info":{"title":"Deep","version":"1"},"paths":{},"components":{"schemas":{"Deep":${deep}}}}`,
    );
    let view: SchemaView | undefined = schema(doc, 'Deep');
    let levels = 0;
    while (view && !view.truncated) {
      view = view.properties[0]?.schema;
      levels++;
    }
    assert.ok(view?.truncated && levels < 40, `cut after ${levels} levels`);
    assert.ok(doc.notices.some((n) => n.includes('nest too deeply')));
  });

  test('a schema with fifty thousand properties is listed in part', () => {
    const properties = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`p${i}`, { type: 'string' }]));
    const paths = Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [
        `/p${i}`,
        {
          get: {
            responses: {
              200: {
                description: 'ok',
                content: { 'application/json': { schema: { $ref: '#/components/schemas/Wide' } } },
              },
            },
          },
        },
      ]),
    );
    const text = JSON.stringify({
      openapi: '3.0.0',
      info: { title: 'Wide', version: '1' },
      paths,
      components: { schemas: { Wide: { type: 'object', properties } } },
    });
    const wide = schema(parse(text), 'Wide');
    assert.equal(wide.properties.length + wide.propertiesOmitted, 50_000);
    assert.ok(wide.properties.length <= 200);
  });

  test('references fanning out exponentially to listed schemas cost one node a use', () => {
    const schemas: Record<string, unknown> = {};
    for (let level = 0; level < 12; level++) {
      const next = level === 11 ? { type: 'string' } : { $ref: `#/components/schemas/L${level + 1}` };
      schemas[`L${level}`] = {
        type: 'object',
        properties: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`p${i}`, next])),
      };
    }
    const paths = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [
        `/x${i}`,
        { post: { requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/L0' } } } } } },
      ]),
    );
    const doc = parse(
      JSON.stringify({ openapi: '3.0.0', info: { title: 'Fan', version: '1' }, paths, components: { schemas } }),
    );
    for (const group of doc.groups)
      for (const op of group.operations) assert.deepEqual(op.requestBody?.content[0]?.schema?.properties, []);
    assert.equal(prop(schema(doc, 'L0'), 'p9').name, 'L1');
    assert.ok(!doc.notices.some((n) => n.includes('too large')));
  });

  test('references fanning out exponentially elsewhere stay within the size budget', () => {
    // Outside the schema containers nothing is listed, so every use is expanded until the budget ends it.
    const schemas: Record<string, unknown> = {};
    for (let level = 0; level < 12; level++) {
      const next = level === 11 ? { type: 'string' } : { $ref: `#/x-fan/L${level + 1}` };
      schemas[`L${level}`] = {
        type: 'object',
        properties: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`p${i}`, next])),
      };
    }
    const paths = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [
        `/x${i}`,
        {
          post: {
            requestBody: { content: { 'application/json': { schema: { $ref: '#/x-fan/L0' } } } },
            responses: {},
          },
        },
      ]),
    );
    const doc = parse(
      JSON.stringify({ openapi: '3.0.0', info: { title: 'Fan', version: '1' }, paths, 'x-fan': schemas }),
    );
    let nodes = 0;
    const count = (v: SchemaView | undefined): void => {
      if (!v) return;
      nodes++;
      for (const p of v.properties) count(p.schema);
    };
    for (const group of doc.groups) for (const op of group.operations) count(op.requestBody?.content[0]?.schema);
    assert.ok(nodes <= 60_000, `${nodes} nodes`);
    assert.ok(doc.notices.some((n) => n.includes('too large')));
  });

  test('documents over 4 MiB are refused before parsing', () => {
    assert.equal(failure(`openapi: 3.0.0\n# ${'x'.repeat(4 * 1024 * 1024)}\n`), 'the document is larger than 4 MiB');
  });

  test('a self-referencing YAML alias in an example is shown as circular, not followed forever', () => {
    const doc = parse(`openapi: 3.0.0
info: { title: Alias, version: '1' }
paths:
  /a:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              example: &loop
                self: *loop
`);
    assert.match(doc.groups[0]?.operations[0]?.responses[0]?.content[0]?.examples[0]?.value ?? '', /"\[circular\]"/);
  });

  test('property names such as __proto__ stay data and pollute no prototype', () => {
    const doc = parse(
      `{"openapi":"3.0.0","info":{"title":"P","version":"1"},"paths":{},"components":{"schemas":{"P":{"allOf":[{"properties":{"__proto__":{"type":"string"},"constructor":{"type":"integer"}}},{"properties":{"x":{"type":"boolean"}}}]}}}}`,
    );
    assert.deepEqual(
      schema(doc, 'P').properties.map((p) => [p.name, p.schema.types]),
      [
        ['__proto__', ['string']],
        ['constructor', ['integer']],
        ['x', ['boolean']],
      ],
    );
    assert.equal(Object.hasOwn(Object.prototype, 'type'), false);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { html } from '../web/html.ts';
import { renderApiReference } from './api-reference.ts';
import { parseOpenApi } from './openapi.ts';
import { browserSkip, launchBrowser } from '../../test/support/browser.ts';
import {
  acmeDefinitions,
  CYCLES_30,
  EVENTS_31,
  ORDERS_30,
  PETS_SWAGGER_20,
  SUNSET_30,
} from '../../test/support/openapi-documents.ts';

/** Markdown stand-in: escapes, and marks where descriptions went. */
const options = { renderMarkdown: (text: string) => html`<div class="md">${text}</div>` };

function render(definition: string): string {
  const result = parseOpenApi(definition);
  if (!result.ok) assert.fail(result.error);
  return renderApiReference(result.doc, options).value;
}

const CONTAINERS: Record<string, readonly string[]> = {
  ul: ['li'],
  ol: ['li'],
  dl: ['dt', 'dd', 'div'],
  table: ['caption', 'thead', 'tbody'],
  thead: ['tr'],
  tbody: ['tr'],
  tr: ['th', 'td'],
};
const ATTRIBUTES = /^(class|id|href|scope|datetime|aria-label|aria-labelledby|tabindex|data-copy)$/;

/**
 * The structure axe-core checks, on the markup itself: well-formed nesting, lists and tables
 * holding only what they may, headings from h3 down without skipping a level, unique valid
 * ids, links and labels that point at one, and no attribute we did not write.
 */
function checkStructure(markup: string): void {
  const ids = new Set<string>();
  const targets: string[] = [];
  const stack: string[] = [];
  let lastHeading = 2;
  let unnamedTable = false;
  for (const [tag, closing, name = '', attributes = ''] of markup.matchAll(/<(\/?)([a-z][a-z0-9]*)([^>]*)>/g)) {
    if (closing) {
      assert.equal(stack.pop(), name, `unbalanced ${tag}`);
      continue;
    }
    const parent = stack.at(-1) ?? '';
    const allowed = CONTAINERS[parent];
    if (allowed) assert.ok(allowed.includes(name), `<${name}> inside <${parent}>`);
    if (name === 'li') assert.ok(parent === 'ul' || parent === 'ol', `<li> inside <${parent}>`);
    const level = /^h([1-6])$/.exec(name)?.[1];
    if (level) {
      assert.ok(Number(level) >= 3 && Number(level) <= lastHeading + 1, `h${level} after h${lastHeading}`);
      lastHeading = Number(level);
    }
    if (name === 'th') assert.match(attributes, stack.includes('thead') ? /scope="col"/ : /scope="row"/);
    // A table is named by aria-labelledby or by a caption as its first child.
    if (unnamedTable) assert.equal(name, 'caption', 'a table without a name');
    unnamedTable = name === 'table' && !attributes.includes('aria-labelledby');
    for (const [, attribute = '', value = ''] of attributes.matchAll(/\s([a-z-]+)(?:="([^"]*)")?/g)) {
      assert.match(attribute, ATTRIBUTES, `unexpected attribute in ${tag}`);
      if (attribute === 'id') {
        assert.match(value, /^[A-Za-z][A-Za-z0-9_-]*$/, `invalid id ${value}`);
        assert.ok(!ids.has(value), `duplicate id ${value}`);
        ids.add(value);
      }
      if (attribute === 'href') {
        assert.ok(value.startsWith('#'), `link out of the page: ${value}`);
        targets.push(value.slice(1));
      }
      if (attribute === 'aria-labelledby') targets.push(value);
    }
    stack.push(name);
  }
  assert.deepEqual(stack, [], 'every element is closed');
  for (const target of targets) assert.ok(ids.has(target), `nothing has id ${target}`);
}

describe('renderApiReference', () => {
  test('every OpenAPI document in examples/acme renders with a sound structure', () => {
    for (const [path, text] of acmeDefinitions()) {
      const markup = render(text);
      assert.match(markup, /<nav class="api-toc" aria-label="API operations">/, path);
      checkStructure(markup);
    }
  });

  test('the test documents render with a sound structure too', () => {
    for (const text of [ORDERS_30, EVENTS_31, PETS_SWAGGER_20, SUNSET_30, CYCLES_30]) checkStructure(render(text));
  });

  test('operations are sections with a method badge, the path in code, and an anchor the contents link to', () => {
    const markup = render(ORDERS_30);
    assert.match(
      markup,
      /<a href="#op-listOrders"><span class="method method-get">GET<\/span> <code>\/orders<\/code><\/a>/,
    );
    assert.match(
      markup,
      /<section class="api-operation" id="op-listOrders">\n<h4 class="operation-title"><a class="heading-anchor" href="#op-listOrders"><span class="method method-get">GET<\/span> <code class="operation-path">\/orders<\/code><\/a><\/h4>/,
    );
    assert.match(
      markup,
      /<h3 id="tag-Orders">Orders <span class="n">\d+<\/span><\/h3><\/summary>\n<div class="api-group-description"><div class="md">Order lifecycle.<\/div><\/div>/,
    );
    assert.match(markup, /<h3 id="api-operations">Other operations <span class="n">\d+<\/span><\/h3>/);
    assert.match(markup, /<div class="api-description"><div class="md">Place and track \*\*orders\*\*.<\/div><\/div>/);
  });

  test('operations are collapsed by tag in native <details>, each with a copy-as-curl command', () => {
    const markup = render(ORDERS_30);
    assert.match(markup, /<details class="api-group">\n<summary><h3 id="tag-Orders">Orders <span class="n">/);
    assert.doesNotMatch(markup, /<details class="api-group" open/, 'collapsed: the index is the way in');
    assert.ok(markup.indexOf('class="api-toc"') < markup.indexOf('<details class="api-group">'), 'the index first');
    assert.match(
      markup,
      /<pre class="code" tabindex="0" data-copy aria-label="GET \/orders as curl"><code>curl -X GET &#39;https:\/\/api\.example\.com\/v1\/orders[^<]*&#39;<\/code><\/pre>/,
    );
    const operations = markup.match(/<section class="api-operation/g)?.length ?? 0;
    assert.equal(markup.match(/data-copy/g)?.length, operations, 'one curl command per operation');
  });

  test('a 2,000-operation document renders, collapsed, in a page of bounded size', () => {
    const paths: Record<string, unknown> = {};
    for (let i = 0; i < 1000; i++)
      paths[`/resources${i}/{resourceId}`] = Object.fromEntries(
        ['get', 'put'].map((method) => [
          method,
          {
            operationId: `${method}Resource${i}`,
            tags: [`Tag ${i % 40}`],
            summary: `${method} resource ${i}`,
            parameters: [
              { name: 'resourceId', in: 'path', required: true, schema: { type: 'string' } },
              { name: 'createdAfter', in: 'query', schema: { type: 'string', format: 'date-time' } },
            ],
            ...(method === 'put'
              ? {
                  requestBody: {
                    content: { 'application/json': { schema: { $ref: '#/components/schemas/Resource' } } },
                  },
                }
              : {}),
            responses: {
              '200': {
                description: 'OK',
                content: { 'application/json': { schema: { $ref: '#/components/schemas/Resource' } } },
              },
            },
          },
        ]),
      );
    const document = JSON.stringify({
      openapi: '3.0.3',
      info: { title: 'Large', version: '1' },
      servers: [{ url: 'https://large.example' }],
      paths,
      components: {
        schemas: {
          Resource: {
            type: 'object',
            description: 'A resource as the API stores it.',
            required: ['id', 'name'],
            properties: {
              id: { type: 'string', format: 'uuid', readOnly: true },
              name: { type: 'string', minLength: 1, maxLength: 200, description: 'What people call it.' },
              status: { type: 'string', enum: ['active', 'suspended', 'deleted'] },
              createdAfter: { type: 'string', format: 'date-time' },
              owner: { $ref: '#/components/schemas/Person' },
              address: { $ref: '#/components/schemas/Address' },
              labels: { type: 'array', items: { $ref: '#/components/schemas/Label' } },
              quota: { type: 'integer', minimum: 0, maximum: 1000 },
            },
          },
          Person: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              displayName: { type: 'string' },
              email: { type: 'string', format: 'email' },
              address: { $ref: '#/components/schemas/Address' },
            },
          },
          Address: {
            type: 'object',
            properties: {
              street: { type: 'string' },
              city: { type: 'string' },
              postalCode: { type: 'string', pattern: '^[0-9A-Z -]{3,10}$' },
              country: { type: 'string', minLength: 2, maxLength: 2, description: 'ISO 3166-1 alpha-2.' },
            },
          },
          Label: {
            type: 'object',
            properties: { key: { type: 'string' }, value: { type: 'string' } },
          },
        },
      },
    });
    const started = performance.now();
    const markup = render(document);
    const ms = performance.now() - started;
    assert.equal(markup.match(/<section class="api-operation/g)?.length, 2000);
    assert.equal(markup.match(/<details class="api-group">/g)?.length, 40);
    // Each component schema is shown once, in the schemas section, and linked from every use: when every operation
    // repeated Resource (with Person, Address and Label inside it) this page was 14,148,610 characters; now about
    // 2 KB an operation, most of it the operation's own parameters, responses and curl command.
    assert.ok(markup.length < 4.5 * 1024 * 1024, `${markup.length} characters`);
    const propertyShown = (name: string) => markup.split(`<code class="property-name">${name}</code>`).length - 1;
    assert.equal(propertyShown('quota'), 1, 'Resource once');
    assert.equal(propertyShown('postalCode'), 1, 'Address once, though Resource and Person both hold one');
    assert.equal(propertyShown('displayName'), 1, 'Person once');
    assert.equal(
      markup.match(/<p class="schema-head"><a class="schema-name" href="#schema-Resource">Resource<\/a>/g)?.length,
      3000,
      'every request and response body links to it',
    );
    assert.match(markup, /<section class="api-schema" id="schema-Address">/);
    assert.match(markup, /<code class="parameter-name">createdAfter<\/code>/, 'names keep their case');
    // Measured, not asserted: the machine decides the time.
    console.log(
      `2,000 operations: ${(markup.length / 1024).toFixed(0)} KiB of HTML, parsed and rendered in ${ms.toFixed(0)} ms`,
    );
  });

  test('parameters are a table with column headers, required marks and schema facts', () => {
    const markup = render(ORDERS_30);
    assert.match(
      markup,
      /<h5 id="op-getOrder-parameters">Parameters<\/h5>\n<table class="api-parameters" aria-labelledby="op-getOrder-parameters">/,
    );
    assert.match(
      markup,
      /<th scope="col">Name<\/th><th scope="col">In<\/th><th scope="col">Type<\/th><th scope="col">Description<\/th>/,
    );
    assert.match(
      markup,
      /<th scope="row"><code class="parameter-name">orderId<\/code> <span class="badge badge-required">required<\/span><\/th><td>path<\/td>/,
    );
    assert.match(markup, /<dt>Greater than<\/dt><dd>1<\/dd><dt>Maximum<\/dt><dd>100<\/dd>/);
    assert.match(
      markup,
      /<dt>Allowed values<\/dt><dd><code>&quot;open&quot;<\/code>, <code>&quot;shipped&quot;<\/code><\/dd>/,
    );
  });

  test('bodies and responses show content types, nested properties and examples as code blocks', () => {
    const markup = render(ORDERS_30);
    assert.match(markup, /<h5>Request body <span class="badge badge-required">required<\/span><\/h5>/);
    assert.match(markup, /<h6><span class="status status-2xx">200<\/span> OK<\/h6>/);
    assert.match(markup, /<h6><span class="status status-4xx">404<\/span> Not Found<\/h6>/);
    assert.match(markup, /<p class="media-type-name">Content type <code>application\/json<\/code><\/p>/);
    assert.match(
      markup,
      /<span class="schema-type">array of<\/span> <a class="schema-name" href="#schema-Order">Order<\/a> <span class="schema-type">object<\/span>/,
    );
    assert.match(
      markup,
      /<li class="schema-property"><div class="property-head"><code class="property-name">id<\/code> <span class="schema-type">string<\/span> <span class="badge badge-required">required<\/span> <span class="schema-flag">read-only<\/span><\/div><\/li>/,
    );
    assert.match(
      markup,
      /<code class="property-name">note<\/code> <span class="schema-type">string<\/span> <span class="schema-flag">nullable<\/span>/,
    );
    assert.match(
      markup,
      /<p class="example-title">Example: A small order<\/p>\n\n<pre class="code" tabindex="0"><code>/,
    );
    assert.match(markup, /<table class="api-headers">\n<caption>Response headers<\/caption>/);
    assert.match(markup, /<dt>Combines<\/dt><dd><a class="schema-name" href="#schema-Base">Base<\/a><\/dd>/);
    assert.match(
      markup,
      /<p class="composition-label">One of, told apart by <code>kind<\/code><\/p><ol class="schema-alternatives">/,
    );
  });

  test('deprecated operations, parameters and properties are marked, with their sunset as a time element', () => {
    const markup = render(SUNSET_30);
    assert.match(
      markup,
      /<section class="api-operation deprecated" id="op-listThingsV1">\n<h4 class="operation-title">.*<span class="badge badge-deprecated">Deprecated<\/span><\/h4>\n<p class="operation-sunset"><span class="sunset">Sunset <time datetime="2026-12-31">2026-12-31<\/time><\/span><\/p>/,
    );
    assert.match(markup, /<li class="deprecated"><a href="#op-createThingV1">/);
    assert.match(
      markup,
      /<tr class="deprecated"><th scope="row"><code class="parameter-name">page<\/code> <span class="badge badge-deprecated">Deprecated<\/span> <span class="sunset">Sunset <time datetime="2026-01-01">2026-01-01<\/time><\/span><\/th>/,
    );
    assert.match(
      markup,
      /<li class="schema-property deprecated"><div class="property-head"><code class="property-name">legacyId<\/code> <span class="schema-type">string<\/span> <span class="badge badge-deprecated">Deprecated<\/span> <span class="sunset">Sunset <time datetime="2026-03-31">2026-03-31<\/time><\/span><\/div>/,
    );
  });

  test('a sunset written as an HTTP-date gets an ISO datetime; one that is no date is shown as text', () => {
    const doc = (sunset: string): string =>
      `openapi: 3.0.0\ninfo: { title: S, version: '1' }\npaths:\n  /a:\n    get:\n      x-sunset: '${sunset}'\n      responses: {}\n`;
    assert.match(
      render(doc('Thu, 31 Dec 2026 23:59:59 GMT')),
      /Sunset <time datetime="2026-12-31T23:59:59.000Z">Thu, 31 Dec 2026 23:59:59 GMT<\/time>/,
    );
    assert.match(render(doc('when v3 ships')), /<span class="sunset">Sunset when v3 ships<\/span>/);
    assert.match(render(doc('2026-02-31')), /<span class="sunset">Sunset 2026-02-31<\/span>/);
  });

  test('cycles link to the named schema; remote references are shown as text', () => {
    const markup = render(CYCLES_30);
    assert.match(
      markup,
      /<a class="schema-name" href="#schema-Node">Node<\/a> <span class="schema-note">\(circular reference\)<\/span>/,
    );
    assert.match(
      markup,
      /<code class="schema-ref">https:\/\/schemas.example.com\/common.yaml#\/Money<\/code> <span class="schema-note">\(external reference, not shown\)<\/span>/,
    );
    assert.match(
      markup,
      /<code class="schema-ref">#\/components\/schemas\/DoesNotExist<\/code> <span class="schema-note">\(reference not found\)<\/span>/,
    );
    assert.match(
      markup,
      /<p class="notice">A remote reference was not followed: https:\/\/example.com\/common.yaml#\/parameters\/Tenant<\/p>/,
    );
  });

  test('webhooks and Swagger 2.0 documents render like operations', () => {
    assert.match(
      render(EVENTS_31),
      /<h3 id="api-webhooks">Webhooks <span class="n">1<\/span><\/h3>[\s\S]*<section class="api-operation" id="op-onEventCreated">\n<h4 class="operation-title"><a class="heading-anchor" href="#op-onEventCreated"><span class="method method-post">POST<\/span> <code class="operation-path">eventCreated<\/code><\/a><\/h4>(?:(?!api-curl)[\s\S])*<\/section>/,
    );
    const swagger = render(PETS_SWAGGER_20);
    assert.match(swagger, /Swagger 2.0/);
    assert.match(swagger, /<p class="media-type-name">Content type <code>multipart\/form-data<\/code><\/p>/);
  });

  test('duplicate operationIds and odd paths still give unique, valid anchors', () => {
    const paths = [
      '  /:\n    get: { operationId: dup, responses: {} }\n    post: { operationId: dup, responses: {} }',
      '  /dup:\n    get: { operationId: dup-2, responses: {} }',
      "  /{id}:\n    get: { responses: {} }\n    put: { operationId: '', responses: {} }",
      '  /ünïcødé/日本:\n    get: { responses: {} }',
      "  '/a b/c?d=e#f':\n    get: { operationId: '42 is a number', responses: {} }",
      ...Array.from({ length: 50 }, (_, i) => `  /many/${i}:\n    get: { operationId: same, responses: {} }`),
    ];
    const markup = render(`openapi: 3.0.0\ninfo: { title: Odd, version: '1' }\npaths:\n${paths.join('\n')}\n`);
    checkStructure(markup);
    const anchors = [...markup.matchAll(/<section class="api-operation" id="([^"]+)">/g)].map((m) => m[1]);
    assert.deepEqual(anchors.slice(0, 8), [
      'op-dup',
      'op-dup-2',
      'op-dup-2-2',
      'op-get-id',
      'op-put-id',
      'op-get-n-c-d',
      'op-42-is-a-number',
      'op-same',
    ]);
    assert.equal(new Set(anchors).size, 57);
  });

  test('hostile strings anywhere in the document come out escaped', () => {
    const evil = (n: number): string => `"><img src=x onerror=alert(${n})><script>alert(${n})</script>`;
    const yaml = (n: number): string => JSON.stringify(evil(n));
    const markup = render(`openapi: 3.0.0
info: { title: ${yaml(1)}, version: ${yaml(2)}, description: ${yaml(3)} }
servers: [{ url: ${yaml(4)}, description: ${yaml(5)} }]
tags: [{ name: ${yaml(6)}, description: ${yaml(7)} }]
paths:
  ${yaml(8)}:
    get:
      tags: [${yaml(6)}]
      operationId: ${yaml(9)}
      summary: ${yaml(10)}
      deprecated: true
      x-sunset: ${yaml(11)}
      parameters:
        - name: ${yaml(12)}
          in: ${yaml(13)}
          schema: { type: ${yaml(14)}, format: ${yaml(15)}, enum: [${yaml(16)}], default: ${yaml(17)}, pattern: ${yaml(18)} }
          example: ${yaml(19)}
      responses:
        ${yaml(20)}:
          description: ${yaml(21)}
          headers: { ${yaml(22)}: { schema: { type: string } } }
          content:
            ${yaml(23)}:
              schema: { $ref: ${JSON.stringify(`#/components/schemas/${evil(24)}`)} }
              examples:
                ${yaml(25)}: { summary: ${yaml(26)}, value: { ${yaml(27)}: ${yaml(28)} }, externalValue: ${yaml(29)} }
components:
  schemas:
    ${yaml(24)}:
      type: object
      title: ${yaml(30)}
      properties:
        ${yaml(31)}: { type: string, deprecated: true, x-sunset: ${yaml(32)}, examples: [${yaml(33)}] }
        remote: { $ref: ${yaml(34)} }
`);
    assert.doesNotMatch(markup, /<script|<img/);
    checkStructure(markup);
    const missing = Array.from({ length: 34 }, (_, i) => i + 1).filter((n) => !markup.includes(`alert(${n})`));
    // The parameter location (13) is cut at 20 characters; an example's name (25) gives way to its summary.
    assert.deepEqual(missing, [13, 25]);
  });

  test('every rendered reference passes axe-core in Chromium', { skip: browserSkip }, async () => {
    const { AxeBuilder } = await import('@axe-core/playwright');
    const browser = await launchBrowser();
    try {
      const page = await (await browser.newContext()).newPage();
      // One real document and the feature-complete test ones: axe takes seconds per large page.
      const tracking =
        acmeDefinitions().find(([path]) => path.includes('tracking-service'))?.[1] ??
        assert.fail('no tracking-service document');
      for (const text of [tracking, ORDERS_30, EVENTS_31, PETS_SWAGGER_20, SUNSET_30, CYCLES_30]) {
        await page.setContent(
          `<!doctype html><html lang="en"><head><title>API</title></head><body><main><h1>API</h1><section aria-labelledby="definition"><h2 id="definition">API reference</h2>${render(text)}</section></main></body></html>`,
        );
        // Contrast is the stylesheet's business, and there is none here.
        // Legacy mode runs axe in the page itself; the default finishes each run in a fresh page, several times slower.
        const builder = new AxeBuilder({ page })
          .disableRules('color-contrast')
          .options({ resultTypes: ['violations'] });
        builder.setLegacyMode(true);
        const results = await builder.analyze();
        assert.deepEqual(
          results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`),
          [],
        );
      }
    } finally {
      await browser.close();
    }
  });
});

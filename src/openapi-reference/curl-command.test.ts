import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import type { Operation, Parameter } from './api-model.ts';
import { curlCommand, quote } from './curl-command.ts';

const HOSTILE = `it's "quoted" $(touch /tmp/pwned) \`id\` $HOME \\ \n second line; rm -rf ~ #`;

const parameter = (p: Partial<Parameter> & Pick<Parameter, 'name' | 'in'>): Parameter => ({
  required: true,
  deprecated: false,
  examples: [],
  ...p,
});

const operation = (o: Partial<Operation> = {}): Operation => ({
  method: 'post',
  path: '/orders/{orderId}/items',
  tags: [],
  deprecated: false,
  parameters: [],
  responses: [],
  ...o,
});

/** What bash hands to curl when the command is pasted: each argument, with a stand-in curl that only prints them. */
function pastedArguments(command: string): string[] {
  const out = execFileSync('bash', ['-c', `curl() { printf '%s\\0' "$@"; }\n${command}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

test('quote makes one shell word of any text', () => {
  for (const text of ['', "'", "''", HOSTILE, 'a\nb', '\\', '!event'])
    assert.deepEqual(pastedArguments(`curl ${quote(text)}`), [text], JSON.stringify(text));
});

test('an operation becomes curl with its server, method, path and query examples, headers and body', () => {
  const command = curlCommand(
    operation({
      parameters: [
        parameter({ name: 'orderId', in: 'path', examples: [{ value: 'A 1/2', language: 'text', truncated: false }] }),
        parameter({
          name: 'createdAfter',
          in: 'query',
          examples: [{ value: '2026-01-01', language: 'text', truncated: false }],
        }),
        parameter({ name: 'optional', in: 'query', required: false }),
        parameter({ name: 'X-Tenant', in: 'header' }),
      ],
      requestBody: {
        required: true,
        content: [
          {
            type: 'application/json',
            examples: [{ value: '{\n  "sku": "x"\n}', language: 'json', truncated: false }],
          },
        ],
      },
    }),
    'https://api.example.com/v1/',
  );
  assert.deepEqual(pastedArguments(command), [
    '-X',
    'POST',
    'https://api.example.com/v1/orders/A%201%2F2/items?createdAfter=2026-01-01',
    '-H',
    'X-Tenant: {X-Tenant}',
    '-H',
    'Content-Type: application/json',
    '--data',
    '{\n  "sku": "x"\n}',
  ]);
});

test('hostile values from a document stay text when the command is pasted', () => {
  const example = [{ value: HOSTILE, language: 'text' as const, truncated: false }];
  const command = curlCommand(
    operation({
      method: 'put',
      path: `/x/{id}`,
      parameters: [
        parameter({ name: 'id', in: 'path', examples: example }),
        parameter({ name: "q'$(id)", in: 'query', examples: example }),
        parameter({ name: 'X-Evil', in: 'header', examples: example }),
      ],
      requestBody: { required: true, content: [{ type: "text/plain'`id`", examples: example }] },
    }),
    "https://h.example/$(touch /tmp/pwned)'`id`",
  );
  const args = pastedArguments(command);
  assert.equal(args.length, 9, command);
  assert.equal(args[2]?.startsWith("https://h.example/$(touch /tmp/pwned)'`id`/x/it's%20%22quoted"), true, args[2]);
  assert.doesNotMatch(args[2] ?? '', /\n/, 'the URL is one line');
  assert.equal(args[4], `X-Evil: ${HOSTILE.replace('\n', ' ')}`, 'a header stays one line');
  assert.equal(args[8], HOSTILE, 'the body is sent as written');
});

test('without servers or examples: a placeholder host, placeholder parameters, an empty JSON body', () => {
  const command = curlCommand(
    operation({
      method: 'get',
      parameters: [parameter({ name: 'orderId', in: 'path', schema: undefined })],
      requestBody: { required: false, content: [{ type: 'application/json', examples: [] }] },
    }),
    undefined,
  );
  assert.deepEqual(pastedArguments(command), [
    '-X',
    'GET',
    'https://api.example.com/orders/%7BorderId%7D/items',
    '-H',
    'Content-Type: application/json',
    '--data',
    '{}',
  ]);
});

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS, hostPort, loadConfig, publicBaseUrl } from './config.ts';
import { AtriumError } from './errors.ts';

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh working directory, with atrium.yaml holding `yaml` when given. */
function cwdWith(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'atrium-config-test-'));
  made.push(dir);
  if (yaml !== undefined) writeFileSync(join(dir, 'atrium.yaml'), yaml);
  return dir;
}

/** Asserts that `fn` throws the operator-fixable config-invalid error, and returns it. */
function configError(fn: () => unknown): AtriumError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof AtriumError, `expected an AtriumError, got ${String(caught)}`);
  assert.equal(caught.category, 'operator-fixable');
  assert.equal(caught.code, 'config-invalid');
  assert.equal(caught.exitCode, 78);
  assert.ok(caught.hint.length > 0);
  return caught;
}

describe('loadConfig precedence', () => {
  test('uses the defaults when there is no atrium.yaml, no environment and no option', () => {
    assert.deepEqual(loadConfig({}, {}, cwdWith()), DEFAULTS);
  });

  test('atrium.yaml overrides the defaults, field by field', () => {
    const cwd = cwdWith('port: 7001\ncatalog: ./catalog\nlogLevel: debug\n');
    assert.deepEqual(loadConfig({}, {}, cwd), {
      ...DEFAULTS,
      port: 7001,
      catalog: './catalog',
      catalogPaths: ['./catalog'],
      logLevel: 'debug',
    });
  });

  test('the environment overrides atrium.yaml', () => {
    const cwd = cwdWith('port: 7001\ncatalog: ./from-file\n');
    const config = loadConfig({}, { ATRIUM_PORT: '7002' }, cwd);
    assert.equal(config.port, 7002);
    assert.equal(config.catalog, './from-file');
  });

  test('command-line options override the environment', () => {
    const cwd = cwdWith('port: 7001\n');
    const config = loadConfig({ port: 7003 }, { ATRIUM_PORT: '7002' }, cwd);
    assert.equal(config.port, 7003);
  });

  test('applies CLI > env > atrium.yaml > defaults to every setting', () => {
    const file =
      'catalog: file-catalog\ndatabase: file.db\nport: 1001\nhost: file-host\nmaxFileBytes: 2048\nlogLevel: warn\ngithubWebhookSecret: file-secret-0123456789\nproductionEnvironments: [prod-eu, prod-us]\nmetricsListen: "file-host:1"\nmetricsToken: true\nsloEvaluationSeconds: 60\nmemoryBudgetMb: 400\npublicUrl: https://file.example.com/\nrenderConcurrency: 4\nrenderQueue: 40\nrenderMaxWaitMs: 400\n';
    const env = {
      ATRIUM_CATALOG: 'env-catalog',
      ATRIUM_DATABASE: 'env.db',
      ATRIUM_PORT: '2002',
      ATRIUM_HOST: 'env-host',
      ATRIUM_CATALOG_MAX_FILE_BYTES: '4096',
      ATRIUM_LOG_LEVEL: 'error',
      ATRIUM_GITHUB_WEBHOOK_SECRET: 'env-secret-0123456789',
      ATRIUM_PRODUCTION_ENVIRONMENTS: 'live, production',
      ATRIUM_METRICS_LISTEN: 'env-host:2',
      ATRIUM_METRICS_TOKEN: 'false',
      ATRIUM_SLO_EVALUATION_SECONDS: '45',
      ATRIUM_MEMORY_BUDGET_MB: '500',
      ATRIUM_PUBLIC_URL: 'https://env.example.com/atrium/',
      ATRIUM_RENDER_CONCURRENCY: '5',
      ATRIUM_RENDER_QUEUE: '50',
      ATRIUM_RENDER_MAX_WAIT_MS: '500',
    };
    const cli = {
      catalog: 'cli-catalog',
      database: 'cli.db',
      port: 3003,
      host: 'cli-host',
      maxFileBytes: 8192,
      logLevel: 'trace',
      githubWebhookSecret: 'cli-secret-0123456789',
      productionEnvironments: ['cli'],
      metricsListen: 'cli-host:3',
      metricsToken: true,
      externalRefs: ['api:*'],
      sloEvaluationSeconds: 15,
      memoryBudgetMb: 600,
      publicUrl: 'https://cli.example.com/',
      renderConcurrency: 6,
      renderQueue: 60,
      renderMaxWaitMs: 600,
    };
    const cwd = cwdWith(file);
    const catalogDefaults = {
      appConfigs: [],
      urlMappings: {},
      strictUrls: false,
      receivers: [],
      teamReceivers: {},
      paging: {},
      prometheusSources: [],
      secrets: {},
      runner: {},
      runners: {},
      incidents: { pagerdutyWebhookSecrets: [], autoDeclareTeams: [] },
      postmortems: DEFAULTS.postmortems,
    };
    assert.deepEqual(loadConfig(cli, env, cwd), { ...cli, ...catalogDefaults, catalogPaths: ['cli-catalog'] });
    assert.deepEqual(loadConfig({}, env, cwd), {
      ...catalogDefaults,
      catalogPaths: ['env-catalog'],
      catalog: 'env-catalog',
      database: 'env.db',
      port: 2002,
      host: 'env-host',
      maxFileBytes: 4096,
      logLevel: 'error',
      githubWebhookSecret: 'env-secret-0123456789',
      productionEnvironments: ['live', 'production'],
      metricsListen: 'env-host:2',
      metricsToken: false,
      externalRefs: [],
      sloEvaluationSeconds: 45,
      memoryBudgetMb: 500,
      publicUrl: 'https://env.example.com/atrium/',
      renderConcurrency: 5,
      renderQueue: 50,
      renderMaxWaitMs: 500,
    });
    assert.deepEqual(loadConfig({}, {}, cwd), {
      ...catalogDefaults,
      catalogPaths: ['file-catalog'],
      catalog: 'file-catalog',
      database: 'file.db',
      port: 1001,
      host: 'file-host',
      maxFileBytes: 2048,
      logLevel: 'warn',
      githubWebhookSecret: 'file-secret-0123456789',
      productionEnvironments: ['prod-eu', 'prod-us'],
      metricsListen: 'file-host:1',
      metricsToken: true,
      externalRefs: [],
      sloEvaluationSeconds: 60,
      memoryBudgetMb: 400,
      publicUrl: 'https://file.example.com/',
      renderConcurrency: 4,
      renderQueue: 40,
      renderMaxWaitMs: 400,
    });
  });

  test("atrium.yaml's catalog object: roots, app-configs, URL mappings and strictness; one root named elsewhere replaces the roots", () => {
    const cwd = cwdWith(
      'catalog:\n  roots: [a, b]\n  appConfigs: [a/app-config.yaml]\n  urlMappings:\n    "https://github.com/acme/x/blob/main/": vendor/x\n  strictUrls: true\n',
    );
    const config = loadConfig({}, {}, cwd);
    assert.deepEqual(
      {
        catalog: config.catalog,
        catalogPaths: config.catalogPaths,
        appConfigs: config.appConfigs,
        urlMappings: config.urlMappings,
        strictUrls: config.strictUrls,
      },
      {
        catalog: 'a',
        catalogPaths: ['a', 'b'],
        appConfigs: ['a/app-config.yaml'],
        urlMappings: { 'https://github.com/acme/x/blob/main/': 'vendor/x' },
        strictUrls: true,
      },
    );
    assert.deepEqual(loadConfig({}, { ATRIUM_CATALOG: 'c' }, cwd).catalogPaths, ['c']);
    assert.deepEqual(loadConfig({ catalogPaths: ['d', 'e'] }, {}, cwd).catalogPaths, ['d', 'e']);
    for (const bad of [
      'catalog:\n  urlMappings:\n    "ftp://x/": y\n',
      'catalog:\n  urlMappings:\n    "https://github.com": y\n',
      'catalog:\n  roots: []\n',
      'catalog:\n  unknown: 1\n',
    ]) {
      assert.throws(() => loadConfig({}, {}, cwdWith(bad)), /atrium\.yaml: catalog/, bad);
    }
  });

  test('a short webhook secret and bad environment names are configuration errors', () => {
    assert.throws(
      () => loadConfig({}, { ATRIUM_GITHUB_WEBHOOK_SECRET: 'short' }, cwdWith()),
      /ATRIUM_GITHUB_WEBHOOK_SECRET=\(hidden\): must be at least 16/,
    );
    assert.throws(
      () => loadConfig({}, { ATRIUM_PRODUCTION_ENVIRONMENTS: 'prod,,x' }, cwdWith()),
      /ATRIUM_PRODUCTION_ENVIRONMENTS/,
    );
    assert.throws(() => loadConfig({}, {}, cwdWith('productionEnvironments: ["../x"]\n')), /productionEnvironments/);
  });

  test('an option left undefined does not hide the lower layers', () => {
    const cwd = cwdWith('catalog: ./from-file\n');
    const config = loadConfig({ catalog: undefined, database: undefined }, { ATRIUM_DATABASE: 'env.db' }, cwd);
    assert.equal(config.catalog, './from-file');
    assert.equal(config.database, 'env.db');
  });

  test('an empty environment variable counts as unset', () => {
    const cwd = cwdWith('port: 7001\n');
    assert.equal(loadConfig({}, { ATRIUM_PORT: '', PORT: '' }, cwd).port, 7001);
  });

  test('ATRIUM_PORT wins over PORT, and PORT is used alone', () => {
    const cwd = cwdWith();
    assert.equal(loadConfig({}, { ATRIUM_PORT: '8001', PORT: '8002' }, cwd).port, 8001);
    assert.equal(loadConfig({}, { PORT: '8002' }, cwd).port, 8002);
  });

  test('ATRIUM_DATABASE wins over DATABASE_URL, and DATABASE_URL is used alone', () => {
    const cwd = cwdWith();
    const url = 'postgres://atrium@db:5432/atrium';
    assert.equal(loadConfig({}, { ATRIUM_DATABASE: 'local.db', DATABASE_URL: url }, cwd).database, 'local.db');
    assert.equal(loadConfig({}, { DATABASE_URL: url }, cwd).database, url);
  });

  test('ignores environment variables it does not know', () => {
    assert.deepEqual(loadConfig({}, { HOST: '0.0.0.0', ATRIUM_UNKNOWN: 'x', CATALOG: 'y' }, cwdWith()), DEFAULTS);
  });

  test('reads atrium.yaml from the given working directory only', () => {
    const one = cwdWith('port: 7101\n');
    const two = cwdWith('port: 7102\n');
    assert.equal(loadConfig({}, {}, one).port, 7101);
    assert.equal(loadConfig({}, {}, two).port, 7102);
  });

  test('an empty or comment-only atrium.yaml means the defaults', () => {
    assert.deepEqual(loadConfig({}, {}, cwdWith('')), DEFAULTS);
    assert.deepEqual(loadConfig({}, {}, cwdWith('# nothing configured yet\n')), DEFAULTS);
  });
});

describe('secrets and the runner', () => {
  test("atrium.yaml's secrets name environment variables; ATRIUM_SECRET_<NAME> adds or replaces one", () => {
    const cwd = cwdWith('secrets:\n  API_KEY: { env: CHECKS_API_KEY }\n  TOKEN: { env: OLD_TOKEN }\n');
    const config = loadConfig(
      {},
      { CHECKS_API_KEY: 'k1', OLD_TOKEN: 'old', ATRIUM_SECRET_TOKEN: 'new', ATRIUM_SECRET_EXTRA: 'x' },
      cwd,
    );
    assert.deepEqual(config.secrets, { API_KEY: 'k1', TOKEN: 'new', EXTRA: 'x' });
  });

  test('a secret whose variable is unset is an error naming the variable, never a value', () => {
    const err = configError(() => loadConfig({}, {}, cwdWith('secrets:\n  API_KEY: { env: CHECKS_API_KEY }\n')));
    assert.match(err.message, /secrets\.API_KEY\.env names the environment variable CHECKS_API_KEY/);
  });

  test('a secret value written in atrium.yaml itself, or a bad name, is refused', () => {
    configError(() => loadConfig({}, {}, cwdWith('secrets:\n  API_KEY: hunter2\n')));
    configError(() => loadConfig({}, { X: 'v' }, cwdWith('secrets:\n  api-key: { env: X }\n')));
    const err = configError(() => loadConfig({}, { 'ATRIUM_SECRET_bad-name': 'hunter2' }, cwdWith()));
    assert.doesNotMatch(err.message, /hunter2/);
  });

  test("atrium.yaml's runner holds the runner's location, tags and allow-lists, checked", () => {
    const cwd = cwdWith(
      'runner:\n  location: eu-west-1\n  tags: [linux]\n  concurrency: 4\n  allowedCommands: [/usr/bin/backup]\n  allowedEnvironment: [HOME]\n',
    );
    assert.deepEqual(loadConfig({}, {}, cwd).runner, {
      location: 'eu-west-1',
      tags: ['linux'],
      concurrency: 4,
      allowedCommands: ['/usr/bin/backup'],
      allowedEnvironment: ['HOME'],
    });
    configError(() => loadConfig({}, {}, cwdWith('runner:\n  location: "<script>"\n')));
    configError(() => loadConfig({}, {}, cwdWith('runner:\n  concurrency: 0\n')));
    configError(() => loadConfig({}, {}, cwdWith('runner:\n  shell: true\n')));
  });

  test("atrium.yaml's runners holds the work queue's limits, checked", () => {
    assert.deepEqual(loadConfig({}, {}, cwdWith('runners:\n  maxLeaseLapses: 5\n  goneAfterHours: 48\n')).runners, {
      maxLeaseLapses: 5,
      goneAfterHours: 48,
    });
    for (const bad of [
      'maxLeaseLapses: 0',
      'maxLeaseLapses: 1.5',
      'maxLeaseLapses: 101',
      'goneAfterHours: 0',
      'goneAfterHours: 1e9',
      'forever: true',
    ])
      configError(() => loadConfig({}, {}, cwdWith(`runners:\n  ${bad}\n`)));
  });
});

describe('loadConfig errors', () => {
  const invalidFiles: [yaml: string, why: string][] = [
    ['port: [7001\n', 'YAML that does not parse'],
    ['port: 7001\nport: 7002\n', 'a duplicate key'],
    ['prot: 7001\n', 'an unknown key'],
    ['port: "7001"\n', 'a port written as a string'],
    ['port: 70000\n', 'a port above 65535'],
    ['port: -1\n', 'a negative port'],
    ['port: 80.5\n', 'a fractional port'],
    ['maxFileBytes: 10\n', 'a file size limit below 1024'],
    ['memoryBudgetMb: 64\n', 'a memory budget below 128 MiB'],
    ['publicUrl: ftp://atrium.example.com/\n', 'a public URL that is not http(s)'],
    ['publicUrl: https://user:secret@atrium.example.com/\n', 'a public URL with credentials'],
    ['publicUrl: https://atrium.example.com/?token=x\n', 'a public URL with a query'],
    ['publicUrl: not a url\n', 'a public URL that is no URL'],
    ['memoryBudgetMb: 70000\n', 'a memory budget above 64 GiB'],
    ['memoryBudgetMb: "300MiB"\n', 'a memory budget written as a string'],
    ['logLevel: verbose\n', 'an unknown log level'],
    ['catalog: ""\n', 'an empty catalog path'],
    ['just a string\n', 'a document that is not a mapping'],
    ['- port\n- 7001\n', 'a list'],
  ];
  for (const [yaml, why] of invalidFiles) {
    test(`rejects atrium.yaml with ${why} as an operator-fixable config-invalid error`, () => {
      const err = configError(() => loadConfig({}, {}, cwdWith(yaml)));
      assert.match(err.message, /atrium\.yaml/);
    });
  }

  for (const [yaml, line] of [
    ['port: 7001\n? [catalog]\n: ./c\n', 2],
    ['port: 7001\ncatalog: !local ./c\n', 2],
  ] as const) {
    test(`an atrium.yaml the YAML library has doubts about (${JSON.stringify(yaml)}) is a config error naming the line, not a raw warning on stderr`, (t) => {
      const emitted = t.mock.method(process, 'emitWarning', () => {});
      const err = configError(() => loadConfig({}, {}, cwdWith(yaml)));
      assert.match(err.message, new RegExp(`atrium\\.yaml is not valid YAML: line ${line}: `));
      assert.equal(emitted.mock.callCount(), 0);
    });
  }

  test('rejects an invalid atrium.yaml even when options override the bad key', () => {
    configError(() => loadConfig({ port: 7003 }, {}, cwdWith('port: nope\n')));
  });

  const badNumbers: [name: string, value: string][] = [
    ['PORT', 'abc'],
    ['PORT', '80.5'],
    ['PORT', '-1'],
    ['PORT', '1e3'],
    ['PORT', ' 80'],
    ['ATRIUM_PORT', 'http'],
    ['ATRIUM_CATALOG_MAX_FILE_BYTES', '2MB'],
    ['ATRIUM_RENDER_CONCURRENCY', 'many'],
    ['ATRIUM_RENDER_MAX_WAIT_MS', '1s'],
  ];
  const outOfRange: [name: string, value: string][] = [
    ['PORT', '99999'],
    ['ATRIUM_PORT', '65536'],
    ['ATRIUM_CATALOG_MAX_FILE_BYTES', '0'],
    ['ATRIUM_LOG_LEVEL', 'verbose'],
  ];
  for (const [name, value] of outOfRange) {
    test(`rejects ${name}=${JSON.stringify(value)} by the same rules as atrium.yaml`, () => {
      const err = configError(() => loadConfig({}, { [name]: value }, cwdWith()));
      assert.ok(err.message.includes(name), err.message);
    });
  }

  test('accepts the boundary values of the environment settings', () => {
    const config = loadConfig(
      {},
      { PORT: '65535', ATRIUM_CATALOG_MAX_FILE_BYTES: '1024', ATRIUM_LOG_LEVEL: 'silent' },
      cwdWith(),
    );
    assert.equal(config.port, 65535);
    assert.equal(config.maxFileBytes, 1024);
    assert.equal(config.logLevel, 'silent');
    assert.equal(loadConfig({}, { PORT: '0' }, cwdWith()).port, 0);
  });

  test('render queue limits out of range are configuration problems: no concurrency, a hostile huge queue or wait', () => {
    configError(() => loadConfig({}, { ATRIUM_RENDER_CONCURRENCY: '0' }, cwdWith()));
    configError(() => loadConfig({}, { ATRIUM_RENDER_QUEUE: '99999999999' }, cwdWith()));
    configError(() => loadConfig({}, {}, cwdWith('renderMaxWaitMs: 0\n')));
    configError(() => loadConfig({}, {}, cwdWith('renderMaxWaitMs: "1000"\n')));
    assert.equal(loadConfig({}, { ATRIUM_RENDER_QUEUE: '0' }, cwdWith()).renderQueue, 0);
  });

  test('reports an atrium.yaml that exists but cannot be read, instead of ignoring it', () => {
    const cwd = cwdWith();
    mkdirSync(join(cwd, 'atrium.yaml'));
    const err = configError(() => loadConfig({}, {}, cwd));
    assert.match(err.message, /atrium\.yaml cannot be read/);
  });

  for (const [name, value] of badNumbers) {
    test(`rejects ${name}=${JSON.stringify(value)} because it is not a whole number`, () => {
      const err = configError(() => loadConfig({}, { [name]: value }, cwdWith()));
      assert.ok(err.message.includes(name), err.message);
      assert.ok(err.hint.includes(name), err.hint);
    });
  }
});

describe('metrics access', () => {
  test('metricsListen and metricsToken come from atrium.yaml, then ATRIUM_METRICS_*, then options', () => {
    const cwd = cwdWith('metricsListen: "127.0.0.1:9464"\nmetricsToken: true\n');
    assert.deepEqual(
      (({ metricsListen, metricsToken }) => ({ metricsListen, metricsToken }))(loadConfig({}, {}, cwd)),
      { metricsListen: '127.0.0.1:9464', metricsToken: true },
    );
    const env = { ATRIUM_METRICS_LISTEN: '[::1]:9100', ATRIUM_METRICS_TOKEN: 'false' };
    assert.equal(loadConfig({}, env, cwd).metricsListen, '[::1]:9100');
    assert.equal(loadConfig({}, env, cwd).metricsToken, false);
    assert.equal(loadConfig({ metricsToken: true }, env, cwd).metricsToken, true);
    assert.deepEqual(hostPort('[::1]:9100'), { host: '::1', port: 9100 });
    assert.deepEqual(hostPort('metrics.internal:9464'), { host: 'metrics.internal', port: 9464 });
  });

  test('a malformed address or a token setting that is not true/false is a configuration problem', () => {
    for (const value of ['9464', '127.0.0.1', '127.0.0.1:70000', 'host:port', ':9464', 'a b:1', '127.0.0.1:9464\n'])
      configError(() => loadConfig({}, { ATRIUM_METRICS_LISTEN: value }, cwdWith()));
    configError(() => loadConfig({}, { ATRIUM_METRICS_TOKEN: 'yes' }, cwdWith()));
    configError(() => loadConfig({}, {}, cwdWith('metricsToken: "true"\n')));
    configError(() => loadConfig({}, {}, cwdWith('metricsListen: 9464\n')));
  });

  test('receivers and paging: secrets from the environment variables atrium.yaml names, never from the file', () => {
    const yaml = [
      'notifications:',
      '  receivers:',
      '    pagerduty: {type: pagerduty, routingKeyEnv: PD_KEY, url: "http://127.0.0.1:9/v2/enqueue"}',
      'paging:',
      '  receiver: pagerduty',
      '  pagerduty: {apiKeyEnv: PD_API}',
    ].join('\n');
    const config = loadConfig({}, { PD_KEY: 's3cret-routing', PD_API: 's3cret-api' }, cwdWith(yaml));
    assert.deepEqual(config.receivers, [
      { name: 'pagerduty', type: 'pagerduty', url: 'http://127.0.0.1:9/v2/enqueue', secret: 's3cret-routing' },
    ]);
    assert.deepEqual(config.paging, { receiver: 'pagerduty', pagerduty: { apiKey: 's3cret-api' } });
    assert.throws(
      () => loadConfig({}, { PD_API: 'x' }, cwdWith(yaml)),
      /notifications\.receivers\.pagerduty\.routingKeyEnv names the environment variable PD_KEY, which is not set/,
    );
    assert.throws(
      () => loadConfig({}, {}, cwdWith('notifications:\n  receivers:\n    pd: {type: pagerduty, routingKey: inline}')),
      /atrium\.yaml: notifications\.receivers\.pd/,
    );
    assert.throws(
      () => loadConfig({}, {}, cwdWith('paging:\n  receiver: nowhere')),
      /paging\.receiver: "nowhere" is not one of notifications\.receivers \(none\)/,
    );
  });

  test("teams' receivers: Group references as keys (two spellings of one team merge), configured names as values", () => {
    const yaml = [
      'notifications:',
      '  receivers:',
      '    checkout-slack: {type: slack, urlEnv: SLACK_URL}',
      '    hooks: {type: webhook, url: "https://hooks.example/atrium", secretEnv: HOOK_SECRET}',
      '  teams:',
      '    checkout: [checkout-slack]',
      '    "group:default/checkout": [hooks, checkout-slack]',
      '    "group:ops/sre": [hooks]',
    ].join('\n');
    const env = { SLACK_URL: 'https://hooks.slack.com/services/T/B/s3cret', HOOK_SECRET: 'whsec_s3cret' };
    const config = loadConfig({}, env, cwdWith(yaml));
    assert.deepEqual(config.teamReceivers, {
      'group:default/checkout': ['checkout-slack', 'hooks'],
      'group:ops/sre': ['hooks'],
    });
    assert.deepEqual(config.receivers, [
      { name: 'checkout-slack', type: 'slack', url: 'https://hooks.slack.com/services/T/B/s3cret' },
      { name: 'hooks', type: 'webhook', url: 'https://hooks.example/atrium', secret: 'whsec_s3cret' },
    ]);
    assert.throws(
      () => loadConfig({}, env, cwdWith(`${yaml}\n    payments: [nowhere]`)),
      /notifications\.teams\.payments: "nowhere" is not one of notifications\.receivers \(checkout-slack, hooks\)/,
    );
    assert.throws(
      () => loadConfig({}, env, cwdWith(`${yaml}\n    "component:default/x": [hooks]`)),
      /keys must be Group references/,
    );
    assert.throws(
      () => loadConfig({}, env, cwdWith(`${yaml}\n    payments: ["https://hooks.slack.com/services/T/B/x"]`)),
      /receiver names are lowercase letters/,
    );
  });

  test('prometheus sources: header values and the bearer token from named environment variables', () => {
    const yaml = [
      'prometheus:',
      '  default: {url: "http://127.0.0.1:9090", timeoutMs: 2000, bearerTokenEnv: PROM_TOKEN}',
      '  tenant-a: {url: "https://mimir.example/prometheus", concurrency: 4, headersEnv: {X-Scope-OrgID: TENANT}}',
    ].join('\n');
    const config = loadConfig({}, { PROM_TOKEN: 't0ken', TENANT: 'team-a' }, cwdWith(yaml));
    assert.deepEqual(config.prometheusSources, [
      {
        name: 'default',
        url: 'http://127.0.0.1:9090',
        timeoutMs: 2000,
        concurrency: 8,
        headers: { Authorization: 'Bearer t0ken' },
      },
      {
        name: 'tenant-a',
        url: 'https://mimir.example/prometheus',
        timeoutMs: 5000,
        concurrency: 4,
        headers: { 'X-Scope-OrgID': 'team-a' },
      },
    ]);
    const missing = configError(() => loadConfig({}, { TENANT: 'x' }, cwdWith(yaml)));
    assert.match(missing.message, /prometheus\.default\.bearerTokenEnv names the environment variable PROM_TOKEN/);
    configError(() => loadConfig({}, {}, cwdWith('prometheus:\n  default: {url: "ftp://x", token: inline}')));
    configError(() =>
      loadConfig({}, {}, cwdWith('prometheus:\n  default: {url: "http://x", headersEnv: {"bad header": X}}')),
    );
    // The one-variable form replaces atrium.yaml's `default` and keeps the other sources.
    const env = { PROM_TOKEN: 't', TENANT: 'x', ATRIUM_PROMETHEUS_URL: 'http://127.0.0.1:9999' };
    assert.deepEqual(
      loadConfig({}, env, cwdWith(yaml)).prometheusSources.map((s) => [s.name, s.url]),
      [
        ['tenant-a', 'https://mimir.example/prometheus'],
        ['default', 'http://127.0.0.1:9999'],
      ],
    );
    configError(() => loadConfig({}, { ATRIUM_PROMETHEUS_URL: 'localhost:9090' }, cwdWith()));
  });
});

describe('catalog.externalRefs', () => {
  test('`catalog` may be a mapping holding the path and the external references', () => {
    const cwd = cwdWith('catalog:\n  path: ./backstage\n  externalRefs: ["group:*", "user:directory/*"]\n');
    const config = loadConfig({}, {}, cwd);
    assert.equal(config.catalog, './backstage');
    assert.deepEqual(config.externalRefs, ['group:*', 'user:directory/*']);
  });

  test('a mapping without a path keeps the default catalog; a string is still the path', () => {
    assert.equal(loadConfig({}, {}, cwdWith('catalog:\n  externalRefs: []\n')).catalog, '.');
    assert.equal(loadConfig({}, {}, cwdWith('catalog: ./x\n')).catalog, './x');
  });

  test('the environment lists them comma-separated and wins over atrium.yaml', () => {
    const cwd = cwdWith('catalog:\n  externalRefs: ["group:*"]\n');
    const config = loadConfig({}, { ATRIUM_CATALOG_EXTERNAL_REFS: 'user:*, api:default/payments' }, cwd);
    assert.deepEqual(config.externalRefs, ['user:*', 'api:default/payments']);
  });

  test('a pattern without a kind, an unknown key beside it, or a non-list is config-invalid', () => {
    assert.match(
      configError(() => loadConfig({}, {}, cwdWith('catalog:\n  externalRefs: [platform-team]\n'))).message,
      /catalog\.externalRefs\.0: "platform-team" needs a kind/,
    );
    configError(() => loadConfig({}, {}, cwdWith('catalog:\n  externalRef: ["group:*"]\n')));
    configError(() => loadConfig({}, {}, cwdWith('catalog:\n  externalRefs: "group:*"\n')));
    assert.match(
      configError(() => loadConfig({}, { ATRIUM_CATALOG_EXTERNAL_REFS: '*' }, cwdWith())).message,
      /ATRIUM_CATALOG_EXTERNAL_REFS=\*: "\*" needs a kind/,
    );
  });
});

describe('postmortems', () => {
  test('sprints, horizon, review age and the escalation team come from atrium.yaml over the defaults', () => {
    const cwd = cwdWith(
      'postmortems:\n  sprint:\n    lengthDays: 7\n    timeZone: Europe/Berlin\n  horizonDays: 30\n  escalationReceiver: leads\n',
    );
    assert.deepEqual(loadConfig({}, {}, cwd).postmortems, {
      sprint: { lengthDays: 7, anchor: DEFAULTS.postmortems.sprint.anchor, timeZone: 'Europe/Berlin' },
      horizonDays: 30,
      unreviewedDays: DEFAULTS.postmortems.unreviewedDays,
      escalationReceiver: 'group:default/leads',
    });
  });

  test('refuses impossible anchors, unknown zones, zero-day sprints and non-Group receivers', () => {
    for (const [bad, field] of [
      ['postmortems:\n  sprint:\n    anchor: 2026-02-30\n', 'anchor'],
      ['postmortems:\n  sprint:\n    timeZone: Mars/Olympus\n', 'timeZone'],
      ['postmortems:\n  sprint:\n    lengthDays: 0\n', 'lengthDays'],
      ['postmortems:\n  escalationReceiver: user:default/ann\n', 'escalationReceiver'],
      ['postmortems:\n  sprints: {}\n', 'sprints'],
    ] as const)
      assert.throws(() => loadConfig({}, {}, cwdWith(bad)), new RegExp(`atrium\\.yaml: postmortems.*${field}`), bad);
  });
});

test('the memory budget is 300 MiB by default; ATRIUM_MEMORY_BUDGET_MB must be whole MiB within the range', () => {
  const cwd = cwdWith('port: 7001\n');
  assert.equal(loadConfig({}, {}, cwd).memoryBudgetMb, 300);
  for (const value of ['lots', '12', '300MiB', '99999'])
    assert.throws(
      () => loadConfig({}, { ATRIUM_MEMORY_BUDGET_MB: value }, cwd),
      (err: unknown) => err instanceof AtriumError && err.message.includes('ATRIUM_MEMORY_BUDGET_MB'),
      value,
    );
});

test('publicBaseUrl: an http(s) base ending in a slash, its path kept; credentials, queries and fragments refused', () => {
  assert.equal(publicBaseUrl('https://atrium.example.com')?.href, 'https://atrium.example.com/');
  assert.equal(publicBaseUrl('http://10.0.0.5:7400/portal')?.href, 'http://10.0.0.5:7400/portal/');
  for (const text of [
    '',
    'atrium.example.com',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'https://a@b.example/',
    'https://b.example/#x',
    'https://b.example/?',
  ])
    assert.equal(publicBaseUrl(text), undefined, text);
});

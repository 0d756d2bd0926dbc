import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Entity } from '../catalog/model.ts';
import {
  actionSecrets,
  DEFAULT_BACKOFF_MS,
  DEFAULT_TIMEOUT_MS,
  durationMs,
  type JobSpec,
  jobDefinition,
  jobSpecIssues,
} from './job-definition.ts';

const spec = (over: Partial<JobSpec> = {}): JobSpec => ({
  service: 'component:rate-card-importer',
  schedule: '0 2 * * *',
  timeZone: 'Europe/Berlin',
  action: { http: { method: 'POST', url: 'https://rates.internal/import' } },
  ...over,
});
const codes = (s: JobSpec) => jobSpecIssues(s).map((i) => `${i.path.join('.')} ${i.code}`);
const entity = (s: JobSpec, name = 'nightly-rate-import'): Entity =>
  ({
    apiVersion: 'atrium.dev/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: s as unknown as Record<string, unknown>,
  }) as Entity;

describe('durationMs', () => {
  it('reads whole numbers with a unit', () => {
    assert.equal(durationMs('500ms'), 500);
    assert.equal(durationMs('30s'), 30_000);
    assert.equal(durationMs('10m'), 600_000);
    assert.equal(durationMs('2h'), 7_200_000);
    assert.equal(durationMs('1d'), 86_400_000);
  });
  it('refuses anything else', () => {
    for (const bad of ['', '10', '1.5h', '-1m', '1w', 'm', '99999999s', '1h30m'])
      assert.equal(durationMs(bad), undefined, bad);
  });
});

describe('jobSpecIssues', () => {
  it('accepts the issue’s example and each action', () => {
    assert.deepEqual(codes(spec({ concurrencyPolicy: 'Forbid' })), []);
    assert.deepEqual(
      codes(
        spec({
          action: {
            command: { args: ['/usr/bin/backup', '--full'], workingDirectory: '/srv', environment: { MODE: 'full' } },
          },
        }),
      ),
      [],
    );
    assert.deepEqual(codes(spec({ action: { heartbeat: { grace: '10m' } } })), []);
    assert.deepEqual(
      codes(
        spec({ schedule: '0 0 15W * *', startingDeadline: '5m', timeout: '1h', retries: { count: 3, backoff: '1m' } }),
      ),
      [],
    );
  });

  it('says what is wrong, at its path', () => {
    assert.deepEqual(codes(spec({ schedule: '0 0 30 2 *' })), ['schedule invalid-schedule']);
    assert.deepEqual(codes(spec({ timeZone: 'Mars/Olympus' })), ['timeZone unknown-time-zone']);
    assert.deepEqual(codes(spec({ startingDeadline: 'soon', timeout: '2d', retries: { count: 1, backoff: '0s' } })), [
      'startingDeadline invalid-duration',
      'timeout invalid-duration',
      'retries.backoff invalid-duration',
    ]);
    assert.deepEqual(codes(spec({ action: {} })), ['action one-action']);
    assert.deepEqual(codes(spec({ action: { heartbeat: { grace: '1m' }, command: { args: ['x'] } } })), [
      'action one-action',
    ]);
    assert.deepEqual(codes(spec({ action: { heartbeat: { grace: '30d' } } })), [
      'action.heartbeat.grace invalid-duration',
    ]);
  });

  it('refuses hostile http actions: other schemes, credentials, header injection, bad secret names', () => {
    const http = (h: NonNullable<JobSpec['action']['http']>) => codes(spec({ action: { http: h } }));
    assert.deepEqual(http({ method: 'GET', url: 'file:///etc/passwd' }), ['action.http.url invalid-url']);
    assert.deepEqual(http({ method: 'GET', url: 'data:text/plain,hi' }), ['action.http.url invalid-url']);
    assert.deepEqual(http({ method: 'GET', url: 'not a url' }), ['action.http.url invalid-url']);
    assert.deepEqual(http({ method: 'GET', url: 'https://user:pw@rates.internal/' }), [
      'action.http.url credentials-in-url',
    ]);
    assert.deepEqual(http({ method: 'TRACE', url: 'https://rates.internal/' }), ['action.http.method invalid-method']);
    assert.deepEqual(http({ method: 'GET', url: 'https://x.internal/', headers: { 'X-A': 'a\r\nX-Injected: 1' } }), [
      'action.http.headers.X-A invalid-header',
    ]);
    assert.deepEqual(http({ method: 'GET', url: 'https://x.internal/', headers: { 'Bad Name': 'v' } }), [
      'action.http.headers.Bad Name invalid-header',
    ]);
    assert.deepEqual(http({ method: 'GET', url: `https://x.internal/?k=\${secret:../etc}` }), [
      'action.http.url invalid-secret-reference',
    ]);
    assert.deepEqual(http({ method: 'POST', url: 'https://x.internal/', body: `{"k":"\${secret:}"}` }), [
      'action.http.body invalid-secret-reference',
    ]);
  });

  it('refuses hostile command actions: empty program, NUL, relative directory, bad environment names', () => {
    const command = (c: NonNullable<JobSpec['action']['command']>) => codes(spec({ action: { command: c } }));
    assert.deepEqual(command({ args: [' '] }), ['action.command.args.0 invalid-argument']);
    assert.deepEqual(command({ args: ['backup', 'a\0b'] }), ['action.command.args.1 invalid-argument']);
    assert.deepEqual(command({ args: ['backup'], workingDirectory: '../..' }), [
      'action.command.workingDirectory invalid-working-directory',
    ]);
    assert.deepEqual(command({ args: ['backup'], environment: { 'A=B': 'x', '1X': 'y' } }), [
      'action.command.environment.A=B invalid-environment',
      'action.command.environment.1X invalid-environment',
    ]);
  });
});

describe('jobDefinition', () => {
  it('fills defaults and resolves references', () => {
    const job = jobDefinition(entity(spec()), 'group:default/pricing');
    assert.equal(job.key, 'job:default/nightly-rate-import');
    assert.equal(job.service, 'component:default/rate-card-importer');
    assert.equal(job.owner, 'group:default/pricing');
    assert.equal(job.concurrencyPolicy, 'Allow');
    assert.equal(job.timeoutMs, DEFAULT_TIMEOUT_MS);
    assert.deepEqual(job.retries, { count: 0, backoffMs: DEFAULT_BACKOFF_MS });
    assert.deepEqual(job.catchUp, { kind: 'none' });
    assert.equal(job.startingDeadlineMs, undefined);
    assert.deepEqual(job.action, { type: 'http', method: 'POST', url: 'https://rates.internal/import', headers: {} });
  });

  it('reads every field written', () => {
    const job = jobDefinition(
      entity(
        spec({
          owner: 'team-b',
          concurrencyPolicy: 'Replace',
          startingDeadline: '2m',
          timeout: '30s',
          retries: { count: 2, backoff: '10s' },
          suspend: true,
          tags: ['db'],
          location: 'eu-west-1',
          catchUp: 3,
          action: { command: { args: ['backup'], shell: true } },
        }),
      ),
    );
    assert.equal(job.owner, 'group:default/team-b');
    assert.equal(job.startingDeadlineMs, 120_000);
    assert.equal(job.timeoutMs, 30_000);
    assert.deepEqual(job.retries, { count: 2, backoffMs: 10_000 });
    assert.equal(job.suspend, true);
    assert.deepEqual(job.catchUp, { kind: 'count', count: 3 });
    assert.deepEqual(job.action, { type: 'command', args: ['backup'], environment: {}, shell: true });
    assert.deepEqual(jobDefinition(entity(spec({ catchUp: 'last' }))).catchUp, { kind: 'last' });
    assert.deepEqual(jobDefinition(entity(spec({ action: { heartbeat: { grace: '10m' } } }))).action, {
      type: 'heartbeat',
      graceMs: 600_000,
    });
  });

  it('names the secrets an http action reads, once each, valid names only', () => {
    const job = jobDefinition(
      entity(
        spec({
          action: {
            http: {
              method: 'POST',
              url: `https://x.internal/?k=\${secret:KEY}`,
              headers: { Authorization: `Bearer \${secret:TOKEN}`, 'X-Again': `\${secret:KEY}` },
              body: `\${secret:BODY_KEY}`,
            },
          },
        }),
      ),
    );
    assert.deepEqual(actionSecrets(job.action), ['KEY', 'TOKEN', 'BODY_KEY']);
  });
});

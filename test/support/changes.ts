import type { DeploymentInput } from '../../src/changes/model.ts';
import type { AtriumServer } from '../../src/server.ts';

/** The clock of servers seeded with `seedHistory`: every seeded time is before it. */
export const SEED_NOW = new Date('2026-01-15T12:00:00Z');

const SEEDER = { name: 'seed', scopes: ['deployments:write', 'changes:write'] };
const HOSTILE = '"><img src=x onerror=window.__xss=1><script>window.__xss=1</script>';

/**
 * A known history on the portal fixture (test/fixtures/portal): payment-service deploys
 * daily with one failure and its recovery, ledger runs blue/green with a switch, and the
 * hostile component's deployment and change carry markup in every free-text field.
 */
export async function seedHistory(server: AtriumServer): Promise<void> {
  const deployments: DeploymentInput[] = [];
  for (let day = 1; day <= 14; day++) {
    const finishedAt = `2026-01-${String(day).padStart(2, '0')}T10:00:00Z`;
    deployments.push({
      service: 'payment-service',
      environment: 'production',
      version: `1.${day}.0`,
      status: day === 7 ? 'failed' : 'succeeded',
      startedAt: `2026-01-${String(day).padStart(2, '0')}T09:50:00Z`,
      finishedAt,
      commits: [
        { sha: `abc${String(day).padStart(4, '0')}`, committedAt: `2026-01-${String(day).padStart(2, '0')}T06:00:00Z` },
      ],
      url: 'https://ci.example.com/runs/1',
    });
  }
  deployments.push(
    {
      service: 'ledger',
      environment: 'production',
      version: '4.0.0',
      status: 'succeeded',
      strategy: 'blue-green',
      slot: 'blue',
      startedAt: '2026-01-10T10:00:00Z',
      finishedAt: '2026-01-10T10:05:00Z',
      commits: [],
    },
    {
      service: 'ledger',
      environment: 'production',
      version: '4.1.0',
      status: 'succeeded',
      strategy: 'blue-green',
      slot: 'green',
      startedAt: '2026-01-12T10:00:00Z',
      finishedAt: '2026-01-12T10:05:00Z',
      commits: [],
    },
    {
      service: 'hostile',
      environment: 'production',
      version: `<svg onload=window.__xss=1>`,
      status: 'rolled_back',
      startedAt: '2026-01-13T10:00:00Z',
      finishedAt: '2026-01-13T10:05:00Z',
      commits: [],
      actor: HOSTILE,
      url: `https://example.com/${HOSTILE}`,
    },
  );
  await server.changes.recordDeployments('/seed', deployments, SEEDER, undefined, true);
  await server.changes.recordSwitch(
    '/seed',
    { service: 'ledger', environment: 'production', slot: 'green', at: '2026-01-12T11:00:00Z', reason: HOSTILE },
    SEEDER,
    undefined,
  );
  await server.changes.recordChange(
    '/seed',
    {
      service: 'hostile',
      kind: 'config',
      summary: HOSTILE,
      at: '2026-01-14T08:00:00Z',
      environment: 'production',
      actor: HOSTILE,
    },
    SEEDER,
    undefined,
  );
}

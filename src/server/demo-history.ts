import { seedDemoChecks, seedDemoHistory, seedDemoSli } from '../demo/seed.ts';
import { seedDemoIncident } from '../incidents/demo-incident.ts';
import type { Logger } from '../platform/log.ts';
import { seedDemoPostmortem } from '../postmortems/demo-postmortem.ts';
import type { AtriumServer } from '../server.ts';

/**
 * `serve --demo-history`: the demo organisation's story recorded into an empty store, each
 * capability's part in turn, so the first page tells it: 90 days of deployments, the SLI
 * history and a first SLO evaluation (the Health card's page alert), the open incident and
 * the resolved one with its post-mortem, and the checks' runs. Nothing when changes are
 * recorded already (a restart keeps what is there). The screenshots record the same.
 */
export async function recordDemoHistory(
  server: Pick<AtriumServer, 'catalog' | 'changes' | 'slos' | 'flags' | 'incidents' | 'postmortems' | 'checks'>,
  now: Date,
  logger: Logger,
): Promise<void> {
  const seeded = await seedDemoHistory(server.catalog.store, server.changes, now);
  if (!seeded) return;
  logger.info(
    { component: 'demo' },
    `recorded a demo history: ${seeded.deployments} deployments, ${seeded.switches} traffic switches, ${seeded.changes} other changes`,
  );
  const sli = await seedDemoSli(server.slos, now);
  // The first evaluation now, not a cycle later: the Health cards tell the story from the first page.
  await server.slos.evaluate();
  logger.info({ component: 'demo' }, `pushed ${sli.events} SLI buckets for ${sli.slos} SLOs`);
  const incident = await seedDemoIncident(server.flags, server.incidents);
  if (incident) logger.info({ component: 'demo' }, `declared the demo's open incident #${incident.id}`);
  const postmortem = await seedDemoPostmortem(server.incidents, server.postmortems, now);
  if (postmortem)
    logger.info(
      { component: 'demo' },
      `recorded the demo's resolved incident #${postmortem.incident} with its post-mortem (${postmortem.escalated} action item escalated)`,
    );
  const runs = await seedDemoChecks(server.checks, now);
  await server.checks.publishTransitions();
  logger.info({ component: 'demo' }, `recorded ${runs} check runs`);
}

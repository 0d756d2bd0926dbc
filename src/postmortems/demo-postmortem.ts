import type { Incident } from '../incidents/model.ts';
import type { IncidentService } from '../incidents/service.ts';
import { AtriumError } from '../platform/errors.ts';
import type { PostmortemService } from './service.ts';

/** Atrium's own seeder, as the demo's other writes record it. */
const SEEDER = 'demo-history';
const SERVICE = 'component:default/checkout-web';
const TEAM = 'group:default/checkout';
const DAY_MS = 86_400_000;
/** How long ago the demo's incident was resolved and its post-mortem published: past two sprints of 14 days. */
const PUBLISHED_DAYS_AGO = 35;

/**
 * The demo's resolved incident with its published post-mortem (serve --demo-history, on
 * the acme catalog): three action items, one done, one deprioritised with a reason and one
 * still open five weeks later, so it is overdue and escalated to the checkout team's lead
 * (commerce-engineering). Undefined when the catalog has no checkout-web (another catalog).
 */
export async function seedDemoPostmortem(
  incidents: Pick<IncidentService, 'declare' | 'update'>,
  postmortems: Pick<
    PostmortemService,
    'publish' | 'addItem' | 'complete' | 'deprioritise' | 'escalate' | 'template' | 'ownersOf'
  >,
  now: Date,
): Promise<{ incident: number; escalated: number } | undefined> {
  const started = new Date(now.getTime() - (PUBLISHED_DAYS_AGO + 2) * DAY_MS);
  let incident: Incident;
  try {
    ({ incident } = await incidents.declare(
      {
        service: SERVICE,
        severity: 'SEV2',
        title: 'Checkout timed out after the session store failover',
        startedAt: started.toISOString(),
        customerImpact: 'For 40 minutes about a third of checkouts timed out.',
        lead: 'Priya Raman',
      },
      SEEDER,
    ));
  } catch (err) {
    // Another catalog than acme: no checkout-web, so no demo post-mortem.
    if (err instanceof AtriumError && err.category === 'user-fixable') return undefined;
    throw err;
  }
  await incidents.update(
    incident.id,
    { status: 'resolved', milestones: { resolved: new Date(started.getTime() + 40 * 60_000).toISOString() } },
    SEEDER,
  );
  const id = String(incident.id);
  const published = new Date(now.getTime() - PUBLISHED_DAYS_AGO * DAY_MS);
  await postmortems.publish(id, await postmortems.template(id), SEEDER, '/demo', undefined, published);
  const deadline = new Date(now.getTime() + 7 * DAY_MS).toISOString().slice(0, 10);
  const add = async (title: string, type: 'mitigate' | 'prevent' | 'process') =>
    (
      JSON.parse(
        (await postmortems.addItem(id, { title, owner: TEAM, deadline, type }, SEEDER, '/demo', undefined)).body,
      ) as {
        id: number;
      }
    ).id;
  await postmortems.complete(
    await add('Raise the session store client timeout above the failover time', 'mitigate'),
    SEEDER,
  );
  await add('Alert when checkout latency p99 exceeds 2 s for 5 minutes', 'prevent');
  await postmortems.deprioritise(
    await add('Run a failover game day every quarter', 'process'),
    'The platform team’s failover drills cover the session store from next quarter',
    'Commerce engineering leads',
  );
  return { incident: incident.id, escalated: await postmortems.escalate() };
}

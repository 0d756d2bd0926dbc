import type { FlagService } from '../flags/service.ts';
import { AtriumError } from '../platform/errors.ts';
import type { Incident } from './model.ts';
import type { IncidentService } from './service.ts';

/** What the demo records as: Atrium's own seeder (its name is shown, never hidden as a token's). */
const SEEDER = { name: 'demo-history', scopes: ['flags:write', 'incidents:write'] };
const FLAG = 'flag:default/express-pay-button';
const SERVICE = 'component:default/checkout-web';

/**
 * The demo's open incident (serve --demo-history, on the acme catalog, right after its
 * history is recorded): the express pay button is switched on in production, then card
 * payments fail at checkout, so the flag switch is the first suspected change and its
 * link turns the flag off. It starts when declared, just after the switch (both on the
 * server's clock). Undefined when the catalog has no such flag (another catalog).
 */
export async function seedDemoIncident(
  flags: Pick<FlagService, 'setEnabled'>,
  incidents: Pick<IncidentService, 'declare' | 'addNote'>,
): Promise<Incident | undefined> {
  try {
    await flags.setEnabled(FLAG, 'production', true, SEEDER, 'Launch: express pay for every customer');
  } catch (err) {
    // Another catalog than acme: no such flag, so no demo incident.
    if (err instanceof AtriumError && err.category === 'user-fixable') return undefined;
    throw err;
  }
  const { incident } = await incidents.declare(
    {
      service: SERVICE,
      severity: 'SEV2',
      title: 'Card payments fail at checkout',
      customerImpact: 'About one in five card payments fails with "payment declined"; express pay users are hit most.',
      lead: 'Priya Raman',
      communications: 'Tom Okafor',
    },
    SEEDER.name,
  );
  await incidents.addNote(
    incident.id,
    'Declines started right after the **express pay** launch. Checking the payment gateway adapter next.',
    'Priya Raman',
  );
  return incident;
}

import type { BackgroundTask } from '../platform/tasks.ts';
import type { SloService } from './service.ts';

/**
 * SLO evaluation every `intervalMs` (30 s by default). Every replica ticks; the cycle claim in
 * the database lets one of them evaluate each cycle.
 */
export function sloTasks(slos: SloService, intervalMs: number): BackgroundTask[] {
  return [
    {
      name: 'slo-evaluation',
      scope: 'once-across-replicas',
      intervalMs,
      component: 'slo',
      failure: 'evaluating SLOs failed',
      run: async () => {
        await slos.evaluate();
      },
    },
  ];
}

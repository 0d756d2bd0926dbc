import type { BackgroundTask } from '../platform/tasks.ts';
import type { SloService } from './service.ts';

/**
 * SLO evaluation every `intervalMs` (30 s by default). Every replica ticks; the cycle claim in
 * the database lets one of them evaluate each cycle. Every replica also reads the last
 * evaluated cycle every 2 s, so its pages move with an evaluation another replica ran.
 */
export function sloTasks(slos: Pick<SloService, 'evaluate' | 'pollEvaluated'>, intervalMs: number): BackgroundTask[] {
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
    {
      name: 'slo-evaluated-cycle',
      scope: 'each-replica',
      startAt: 'listening',
      intervalMs: 2000,
      component: 'slo',
      failure: 'could not read the last evaluated SLO cycle',
      run: () => slos.pollEvaluated(),
    },
  ];
}

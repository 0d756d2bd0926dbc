import type { BackgroundTask } from '../platform/tasks.ts';
import type { PostmortemService } from './service.ts';

/** How often overdue action items are looked for: a sprint is days long, so minutes are soon enough. */
export const ESCALATION_INTERVAL_MS = 5 * 60_000;

/**
 * Escalation of overdue action items. Every replica runs it; the (item, sprint) row each
 * escalation claims in the database lets exactly one of them notify, once per sprint.
 */
export function postmortemTasks(
  postmortems: Pick<PostmortemService, 'escalate'>,
  intervalMs = ESCALATION_INTERVAL_MS,
): BackgroundTask[] {
  return [
    {
      name: 'postmortem-escalation',
      scope: 'once-across-replicas',
      intervalMs,
      component: 'postmortems',
      failure: 'escalating overdue post-mortem action items failed',
      run: async () => {
        await postmortems.escalate();
      },
    },
  ];
}

import type { Logger } from '../platform/log.ts';
import type { BackgroundTask } from '../platform/tasks.ts';
import { type PostmortemFileText, publishFiles } from './postmortem-files.ts';
import type { PostmortemService } from './service.ts';

/** How often overdue action items are looked for: a sprint is days long, so minutes are soon enough. */
export const ESCALATION_INTERVAL_MS = 5 * 60_000;

/**
 * Escalation of overdue action items. Every replica runs it; the (item, sprint) row each
 * escalation claims in the database lets exactly one of them notify, once per sprint. And
 * each replica's poll for post-mortem writes made on the others (PostmortemService.pollEdits).
 */
export function postmortemTasks(
  postmortems: Pick<PostmortemService, 'escalate' | 'pollEdits'>,
  intervalMs = ESCALATION_INTERVAL_MS,
): BackgroundTask[] {
  return [
    {
      // Without it another replica's write would reach this one's cached team pages only with the hour.
      name: 'other-replicas-postmortem-edits',
      scope: 'each-replica',
      startAt: 'listening',
      intervalMs: 1000,
      component: 'postmortems',
      failure: 'could not read where the post-mortems stand',
      run: async () => void (await postmortems.pollEdits()),
    },
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

/** How often post-mortem files beside services are looked at: a file edited and merged shows on its incident within a minute. */
export const FILES_INTERVAL_MS = 60_000;

/**
 * Publishes post-mortem files found in the services' docs (postmortem-files.ts) onto their
 * incidents. One replica does it (its checkout is the syncer's, as the catalog's is);
 * problems are logged at file:line once until they change.
 */
export function postmortemFileTasks(
  postmortems: Parameters<typeof publishFiles>[0],
  read: () => Promise<readonly PostmortemFileText[]>,
  logger?: Logger,
  intervalMs = FILES_INTERVAL_MS,
): BackgroundTask[] {
  const logged = new Map<string, string>();
  return [
    {
      name: 'postmortem-files',
      scope: 'once-across-replicas',
      intervalMs,
      component: 'postmortems',
      failure: 'publishing post-mortem files failed',
      run: async () => {
        await publishFiles(postmortems, await read(), logged, logger);
      },
    },
  ];
}

import type { BackgroundTask } from '../platform/tasks.ts';
import type { IncidentService } from './service.ts';

/**
 * Polls for incident edits made on other replicas every second (IncidentService.pollEdits):
 * only declarations, escalations and resolutions are change events, so without it another
 * replica's status, milestone or role edit would reach this one's cached pages only with
 * the next change.
 */
export function incidentTasks(incidents: Pick<IncidentService, 'pollEdits'>): BackgroundTask[] {
  return [
    {
      name: 'other-replicas-incident-edits',
      scope: 'each-replica',
      startAt: 'listening',
      intervalMs: 1000,
      component: 'incidents',
      failure: 'could not read where the incidents’ history stands',
      run: async () => void (await incidents.pollEdits()),
    },
  ];
}

import { entityLink, section, timestamp } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import type { Site } from '../../web/site.ts';
import type { JobRun } from '../model.ts';
import { scheduleInWords } from '../schedule.ts';
import type { JobSummary } from '../service.ts';
import { STATUS_TONE } from './job-text.ts';

/** A job on its service's Jobs card: the job, its recent runs (newest first). */
export interface JobsCardRow {
  job: JobSummary;
  runs: readonly JobRun[];
}

export function runBadge(run: JobRun): Html {
  return html`<span class="badge badge-${STATUS_TONE[run.status]}" title="${new Date(run.tick).toISOString()}${run.summary ? `: ${run.summary}` : ''}">${run.status}</span>`;
}

/**
 * A service's Jobs card: each job with its schedule in words (and zone), its next run, its
 * last runs as badges (each a word, never a colour alone) and its failures among them.
 */
export function jobsCard(site: Site, rows: readonly JobsCardRow[]): Html {
  const body = rows.map(({ job, runs }) => {
    const failures = runs.filter((r) => r.status === 'failed' || r.status === 'missed');
    const lastFailure = failures[0];
    return html`<tr><th scope="row">${entityLink(site, { ref: job.key, ...(job.title ? { title: job.title } : {}), kind: 'Job' })}</th>
<td>${scheduleInWords(job.schedule) ?? job.schedule} <span class="muted small">(${job.timeZone})</span></td>
<td>${job.suspended ? html`<span class="badge badge-warn">suspended</span>` : job.nextRunAt === undefined ? html`<span class="muted">—</span>` : timestamp(new Date(job.nextRunAt).toISOString())}</td>
<td>${runs.length === 0 ? html`<span class="muted">none yet</span>` : html`<span class="job-runs">${runs.map((r) => html`${runBadge(r)} `)}</span>`}</td>
<td>${failures.length === 0 ? html`<span class="muted">none</span>` : html`${failures.length} ${lastFailure ? html`<span class="muted small">(last ${timestamp(new Date(lastFailure.tick).toISOString())}${lastFailure.summary ? html`: ${lastFailure.summary}` : ''})</span>` : ''}`}</td></tr>`;
  });
  return section(
    'jobs',
    'Jobs',
    html`<div class="table-scroll" tabindex="0" role="region" aria-label="Scheduled jobs"><table><caption class="visually-hidden">Scheduled jobs of this service: schedule, next run, last runs (newest first) and failures among them</caption><thead><tr><th scope="col">Job</th><th scope="col">Schedule</th><th scope="col">Next run</th><th scope="col">Last runs</th><th scope="col">Failures</th></tr></thead><tbody>${body}</tbody></table></div>`,
  );
}

import { emptyNote, section, timestamp } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import type { JobDefinition, JobRun } from '../model.ts';
import { scheduleInWords } from '../schedule.ts';
import { durationText, zonedText } from './job-text.ts';
import { runBadge } from './jobs-card.ts';

/** What a job's page shows: its definition, whether it is suspended, its next five runs and its history. */
export interface JobPageData {
  job: JobDefinition;
  suspended: boolean;
  next: readonly number[];
  runs: readonly JobRun[];
}

const ACTION_WORDS: Record<JobDefinition['action']['type'], string> = {
  http: 'HTTP request, run by a runner',
  command: 'Command, run by a runner',
  heartbeat: 'Runs elsewhere and pings Atrium (heartbeat)',
};

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The schedule in words and in the job's zone, and the next five runs read there. */
export function jobScheduleCard(data: JobPageData): Html {
  const { job } = data;
  const words = scheduleInWords(job.schedule);
  const next =
    data.next.length === 0
      ? emptyNote(
          data.suspended ? 'Suspended: no run is ordered until it is resumed.' : 'The schedule names no further run.',
        )
      : html`<ol class="job-next">${data.next.map((t) => html`<li>${zonedText(t, job.timeZone)} <span class="muted small">(${timestamp(iso(t))})</span></li>`)}</ol>`;
  return section(
    'job-schedule',
    'Schedule',
    html`<dl class="facts">
<dt>Runs</dt><dd>${words ?? job.schedule} <span class="muted small">in ${job.timeZone}</span>${data.suspended ? html` <span class="badge badge-warn">suspended</span>` : ''}</dd>
<dt>Cron</dt><dd><code>${job.schedule}</code></dd>
<dt>Action</dt><dd>${ACTION_WORDS[job.action.type]}${job.action.type === 'heartbeat' ? html` <span class="muted small">(grace ${durationText(job.action.graceMs)})</span>` : ''}</dd>
<dt>Concurrency</dt><dd>${job.concurrencyPolicy}</dd>
</dl><h3 id="job-next-runs">Next five runs</h3>${next}`,
  );
}

/** The runs, newest first, with durations and their output in a disclosure. */
export function jobHistoryCard(data: JobPageData): Html {
  if (data.runs.length === 0) return section('job-history', 'History', emptyNote('No run yet.'));
  const rows = data.runs.map((run) => {
    const duration =
      run.startedAt !== undefined && run.finishedAt !== undefined ? durationText(run.finishedAt - run.startedAt) : '—';
    return html`<tr><td>${timestamp(iso(run.tick))}</td><td>${runBadge(run)}</td><td>${duration}</td><td>${run.runner ?? html`<span class="muted">—</span>`}</td><td>${run.attempt}</td>
<td>${run.summary ?? ''}${run.output ? html`<details><summary>Log</summary><pre class="job-log">${run.output}</pre></details>` : ''}</td></tr>`;
  });
  return section(
    'job-history',
    'History',
    html`<div class="table-scroll" tabindex="0" role="region" aria-label="Run history"><table><caption class="visually-hidden">Runs of this job, newest first</caption><thead><tr><th scope="col">Tick</th><th scope="col">Status</th><th scope="col">Duration</th><th scope="col">Runner</th><th scope="col">Attempt</th><th scope="col">Result</th></tr></thead><tbody>${rows}</tbody></table></div>`,
  );
}

import type { EntitySection } from '../catalog/pages/entity-sections.ts';
import { jobHistoryCard, type JobPageData, jobScheduleCard } from './pages/job-card.ts';
import { jobsCard, type JobsCardRow } from './pages/jobs-card.ts';
import type { JobService } from './service.ts';

/** The live portal's jobs; a static export has none, so it shows no job cards. */
export interface JobSources {
  jobs?: Pick<JobService, 'list' | 'runs' | 'definition' | 'nextRuns' | 'suspended'> &
    Partial<Pick<JobService, 'hasJobs'>>;
}

/** Runs a service's Jobs card shows per job. */
export const CARD_RUNS = 5;
/** Runs a job's page lists. */
export const HISTORY_RUNS = 50;

/**
 * A service's Jobs card: next run, last runs, failures. Failed and missed runs and every
 * action are changes (they move the page's change version); every finished run of its jobs
 * moves the service's jobs version; the hour bounds how old a next run may be shown.
 */
const serviceJobs: EntitySection<JobSources, JobsCardRow[]> = {
  id: 'jobs',
  kinds: ['Component'],
  slot: 'lead',
  order: 6,
  varies: ['changes', 'hour', 'jobs'],
  variesFor: ({ jobs }, key) => jobs?.hasJobs?.(key),
  // The card shows this service's jobs only: it moves with their runs, not every job's.
  variesWithin: ['jobs'],
  async load({ jobs }, { key }) {
    if (!jobs) return undefined;
    const list = await jobs.list({ service: key });
    if (list.length === 0) return undefined;
    return Promise.all(list.map(async (job) => ({ job, runs: await jobs.runs(job.key, CARD_RUNS) })));
  },
  view: (site, rows) => jobsCard(site, rows),
};

async function pageData(jobs: NonNullable<JobSources['jobs']>, key: string): Promise<JobPageData | undefined> {
  const job = await jobs.definition(key);
  if (!job) return undefined;
  const [suspended, next, runs] = await Promise.all([
    jobs.suspended(key),
    jobs.nextRuns(key, 5),
    jobs.runs(key, HISTORY_RUNS),
  ]);
  return { job, suspended, next, runs };
}

/** A job's page: its schedule in words and in its zone, the next five runs. */
const schedule: EntitySection<JobSources, JobPageData> = {
  id: 'job-schedule',
  kinds: ['Job'],
  slot: 'lead',
  order: 1,
  varies: ['changes', 'hour', 'jobs'],
  // The page shows this job's runs only.
  variesWithin: ['jobs'],
  load: ({ jobs }, { key }) => (jobs ? pageData(jobs, key) : Promise.resolve(undefined)),
  view: (_site, data) => jobScheduleCard(data),
};

/** A job's page: its runs with durations and logs. */
const history: EntitySection<JobSources, JobPageData> = {
  id: 'job-history',
  kinds: ['Job'],
  slot: 'lead',
  order: 2,
  varies: ['changes', 'hour', 'jobs'],
  // The page shows this job's runs only.
  variesWithin: ['jobs'],
  load: ({ jobs }, { key }) => (jobs ? pageData(jobs, key) : Promise.resolve(undefined)),
  view: (_site, data) => jobHistoryCard(data),
};

/** The jobs capability's cards on entity pages. */
export const jobSections = [serviceJobs, schedule, history];

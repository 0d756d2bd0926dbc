import { Gauge } from 'prom-client';
import type { Metrics } from '../platform/metrics.ts';
import type { RunnerService } from './service.ts';

/**
 * The runners' Prometheus series, read when scraped from the snapshot the expiry task takes
 * each second (a scrape never waits on the database): runners seen lately by location, runs
 * queued and leased, and the leases this replica saw lapse.
 */
export function registerRunnerMetrics(metrics: Metrics, runners: RunnerService): void {
  new Gauge({
    name: 'atrium_runners',
    help: 'Runners that asked for work or renewed a lease lately, by location.',
    labelNames: ['location'],
    registers: [metrics.registry],
    collect() {
      this.reset();
      for (const [location, count] of Object.entries(runners.gauges.runnersByLocation)) this.set({ location }, count);
    },
  });
  new Gauge({
    name: 'atrium_runner_runs',
    help: 'Runs not finished, by state: queued (including lapsed leases) or leased.',
    labelNames: ['state'],
    registers: [metrics.registry],
    collect() {
      this.set({ state: 'queued' }, runners.gauges.runs.queued);
      this.set({ state: 'leased' }, runners.gauges.runs.leased);
    },
  });
  new Gauge({
    name: 'atrium_runner_lease_expiries',
    help: 'Leases this replica saw lapse since it started (a runner killed or cut off; its run is retried).',
    registers: [metrics.registry],
    collect() {
      this.set(runners.leaseExpiries);
    },
  });
}

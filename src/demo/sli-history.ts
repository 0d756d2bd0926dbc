import { createRng, type Rng } from '../platform/prng.ts';
import { div, exactOf, sub, toNumber } from '../slo/exact.ts';
import { hashSeed } from './deploy-history.ts';

/**
 * The demo's pushed SLI events (good and total per bucket) for its SLOs, as a pure
 * function of the SLOs, an end time and a seed: the same inputs always give the same
 * history. The story: shipments-availability (the checkout team's shipment service) is
 * burning its budget now, 22× for the last 50 minutes, so its 1h/5m page alert fires and
 * the checkout team's receivers are notified; it had a smaller incident nine days ago.
 * Tracking had a slow burn twelve days ago that opened a ticket and resolved. Everything
 * else is healthy, each service with its own traffic and noise.
 */

/** An episode of elevated errors, placed relative to the end of the history. */
export interface Incident {
  /** Minutes before the end when it started. */
  startMinutesAgo: number;
  minutes: number;
  /** The burn rate it runs at (error ratio ÷ the error budget). */
  burn: number;
}

/** How an SLO's events behave: traffic, ordinary burn and its incidents. */
export interface SliStory {
  /** Mean events a minute at the daily peak. */
  perMinute: number;
  /** The ordinary burn rate (under 1 spends less than the budget). */
  baselineBurn: number;
  incidents: readonly Incident[];
}

const DAY_MINUTES = 1440;
/** What an SLO without a story of its own does: a quiet, healthy service. */
export const HEALTHY: SliStory = { perMinute: 300, baselineBurn: 0.3, incidents: [] };

/** The demo organisation's SLOs (examples/acme/services/<service>/slos.yaml) and what happens to them. */
export const DEMO_STORIES: Readonly<Record<string, SliStory>> = {
  'slo:default/shipments-availability': {
    perMinute: 600,
    baselineBurn: 0.45,
    incidents: [
      { startMinutesAgo: 9 * DAY_MINUTES + 200, minutes: 180, burn: 8 },
      { startMinutesAgo: 50, minutes: 50, burn: 22 },
    ],
  },
  'slo:default/shipments-booking-latency': { perMinute: 600, baselineBurn: 0.35, incidents: [] },
  'slo:default/checkout-web-availability': { perMinute: 900, baselineBurn: 0.2, incidents: [] },
  'slo:default/quotes-availability': { perMinute: 400, baselineBurn: 0.3, incidents: [] },
  'slo:default/tracking-availability': {
    perMinute: 1200,
    baselineBurn: 0.4,
    incidents: [{ startMinutesAgo: 12 * DAY_MINUTES, minutes: 12 * 60, burn: 3.5 }],
  },
  'slo:default/payments-availability': { perMinute: 200, baselineBurn: 0.25, incidents: [] },
};

/** An SLO the history is made for: its key and objective (percent, as declared). */
export interface DemoSlo {
  key: string;
  objective: string | number;
}

/** One bucket as `POST /api/v1/slos/{ns}/{name}/events` takes it. */
export interface SliEvent {
  at: string;
  good: number;
  total: number;
}

export interface SliHistory {
  slo: string;
  events: SliEvent[];
}

/**
 * Minute buckets for the last two days and hour buckets before, as the store keeps them
 * (minutes are compacted to hours after 48 h): a month of minutes would be 43,200 writes
 * an SLO for the same budget and burn.
 */
export const MINUTE_DAYS = 2;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** Traffic follows the day (UTC): a night-time trough at 40 % of the peak. */
function dailyShape(ms: number): number {
  const hour = (ms % (24 * HOUR_MS)) / HOUR_MS;
  return 0.4 + 0.6 * ((1 - Math.cos(((hour - 3) / 24) * 2 * Math.PI)) / 2);
}

/** The burn rate at a moment: an incident's, or the baseline. */
function burnAt(story: SliStory, end: number, ms: number): number {
  const minutesAgo = (end - ms) / MINUTE_MS;
  const incident = story.incidents.find(
    (i) => minutesAgo <= i.startMinutesAgo && minutesAgo > i.startMinutesAgo - i.minutes,
  );
  return incident ? incident.burn : story.baselineBurn;
}

function bucket(rng: Rng, story: SliStory, budget: number, end: number, from: number, minutes: number): SliEvent {
  const middle = from + (minutes * MINUTE_MS) / 2;
  const total = Math.max(1, Math.round(story.perMinute * minutes * dailyShape(middle) * (0.9 + 0.2 * rng())));
  const ratio = Math.min(1, burnAt(story, end, middle) * budget * (0.6 + 0.8 * rng()));
  const errors = Math.min(total, Math.round(total * ratio));
  return { at: new Date(from).toISOString(), good: total - errors, total };
}

/**
 * The history of each SLO over `days` ending at `end` (rounded down to the minute), oldest
 * bucket first. The seed and the SLO's key decide the noise.
 *
 * @example
 * demoSliHistory([{ key: 'slo:default/shipments-availability', objective: '99.9' }], new Date(), 30);
 */
export function demoSliHistory(slos: readonly DemoSlo[], endTime: Date, days: number, seed = 17): SliHistory[] {
  const end = Math.floor(endTime.getTime() / MINUTE_MS) * MINUTE_MS;
  const minutesFrom = end - Math.min(days, MINUTE_DAYS) * DAY_MINUTES * MINUTE_MS;
  const start = end - days * DAY_MINUTES * MINUTE_MS;
  // Hour buckets start on the hour; the first may be cut to the window's start.
  const firstHour = Math.ceil(start / HOUR_MS) * HOUR_MS;
  return slos.map(({ key, objective }) => {
    const story = DEMO_STORIES[key] ?? HEALTHY;
    const hundred = exactOf(100);
    const budget = toNumber(div(sub(hundred, exactOf(objective)), hundred));
    const rng = createRng(hashSeed(key, seed));
    const events: SliEvent[] = [];
    if (firstHour > start && start < minutesFrom)
      events.push(bucket(rng, story, budget, end, start, (Math.min(firstHour, minutesFrom) - start) / MINUTE_MS));
    for (let t = firstHour; t < minutesFrom; t += HOUR_MS)
      events.push(bucket(rng, story, budget, end, t, (Math.min(t + HOUR_MS, minutesFrom) - t) / MINUTE_MS));
    for (let t = minutesFrom; t < end; t += MINUTE_MS) events.push(bucket(rng, story, budget, end, t, 1));
    return { slo: key, events };
  });
}

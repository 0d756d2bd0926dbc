import type { RunStatus } from '../model.ts';

/** Words for jobs' pages: statuses, durations and times in a job's zone. Pure. */

export const STATUS_TONE: Record<RunStatus, 'ok' | 'warn' | 'error' | 'quiet'> = {
  queued: 'quiet',
  running: 'quiet',
  success: 'ok',
  failed: 'error',
  missed: 'error',
  skipped: 'warn',
  cancelled: 'warn',
};

/** A duration as a person reads it: 850 ms, 12 s, 3 min 5 s, 2 h 4 min. */
export function durationText(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}

/** An instant as the job's zone reads it: "Sun 29 Mar 2026, 03:30 CEST". */
export function zonedText(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(new Date(ms));
}

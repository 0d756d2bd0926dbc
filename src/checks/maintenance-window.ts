import { AtriumError } from '../platform/errors.ts';
import type { MaintenanceWindow } from './model.ts';

/** The longest window the API takes: a longer "maintenance" is a check that should be suspended or removed. */
export const MAX_WINDOW_MS = 31 * 24 * 3_600_000;
/** How far ahead a window may start: further is a typo of the year more often than a plan. */
export const MAX_LEAD_MS = 366 * 24 * 3_600_000;
/** Windows not yet ended per check: beyond this the API refuses more (as the catalog's list is bounded). */
export const MAX_OPEN_WINDOWS = 50;
/** A reason's length at most (the catalog's too). */
export const MAX_REASON = 200;

/** ISO 8601 with a zone (`Z` or `±hh:mm`), as the catalog's windows are written. */
const ZONED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Epoch ms of a zoned ISO time, NaN unless it is one and names a real day (Date.parse takes 30 February as 2 March). */
function zonedTime(text: string): number {
  if (!ZONED.test(text)) return Number.NaN;
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return Number.NaN;
  return Date.parse(text);
}

const invalid = (code: string, message: string, hint: string) =>
  new AtriumError({ category: 'user-fixable', code, status: 422, message, hint });

/**
 * A window from the API's `start`, `end` and `reason`, judged against `now` (epoch ms): both
 * times ISO 8601 with a zone, the end after the start and after now (a window wholly past
 * holds nothing), at most MAX_WINDOW_MS long and starting within MAX_LEAD_MS. Throws a 422
 * naming what to fix. Pure.
 */
export function maintenanceWindowOf(
  input: { start: string; end: string; reason?: string | undefined },
  now: number,
): MaintenanceWindow {
  const start = zonedTime(input.start);
  const end = zonedTime(input.end);
  if (Number.isNaN(start) || Number.isNaN(end))
    throw invalid(
      'invalid-time',
      `${Number.isNaN(start) ? 'start' : 'end'} is not a time with a zone`,
      'Write ISO 8601 with a zone, e.g. 2026-12-24T22:00:00Z.',
    );
  if (end <= start)
    throw invalid('end-not-after-start', 'The window ends before it starts', 'Write an end after the start.');
  if (end <= now)
    throw invalid(
      'window-in-the-past',
      'The window has ended already',
      'Give an end in the future: a past window holds no alert.',
    );
  if (end - start > MAX_WINDOW_MS)
    throw invalid(
      'window-too-long',
      `The window is longer than ${MAX_WINDOW_MS / 86_400_000} days`,
      'Split a longer maintenance into windows, or remove the check while the service is down for good.',
    );
  if (start - now > MAX_LEAD_MS)
    throw invalid(
      'window-too-far-ahead',
      `The window starts more than ${MAX_LEAD_MS / 86_400_000} days from now`,
      'Check the year; add the window closer to the date.',
    );
  const reason = input.reason?.trim();
  return { start, end, ...(reason ? { reason } : {}) };
}

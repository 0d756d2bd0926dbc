/**
 * What a `<time data-relative>` shows once the client script has run: the absolute time in
 * the reader's time zone (or UTC, by their choice) next to the relative one, e.g.
 * "02:14 · 3 minutes ago", so a deploy can be lined up with an alert at 02:14; the UTC
 * time goes in the title. Pure (the clock and the zone are passed in), bundled into the
 * client script.
 */

/** The localStorage key of the reader's "show times in UTC" choice ("1" when on). */
export const UTC_SETTING = 'atrium.times.utc';

export function relativeTime(iso: string, now: number): string {
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds)) return '';
  const steps: [number, Intl.RelativeTimeFormatUnit][] = [
    [60, 'second'],
    [60, 'minute'],
    [24, 'hour'],
    [30, 'day'],
    [12, 'month'],
    [Infinity, 'year'],
  ];
  let value = seconds;
  for (const [size, unit] of steps) {
    if (Math.abs(value) < size)
      return new Intl.RelativeTimeFormat('en', { numeric: 'auto' }).format(-Math.round(value), unit);
    value /= size;
  }
  return '';
}

/** `2026-03-02 02:14 UTC`: what the server renders, and the title once the script has run. */
export function utcText(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * The absolute time as the reader reads it: the time of day for today, with the date for
 * another day (and the year for another year); " UTC" when shown in UTC. `timeZone`
 * undefined is the reader's own.
 */
export function absoluteTime(iso: string, now: number, timeZone: string | undefined): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const parts = (d: Date, options: Intl.DateTimeFormatOptions) =>
    Object.fromEntries(
      new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', ...options })
        .formatToParts(d)
        .map((p) => [p.type, p.value]),
    );
  const day = { year: 'numeric', month: '2-digit', day: '2-digit' } as const;
  const at = parts(date, { ...day, hour: '2-digit', minute: '2-digit' });
  const today = parts(new Date(now), day);
  const clock = `${at.hour}:${at.minute}`;
  const suffix = timeZone === 'UTC' ? ' UTC' : '';
  if (at.year === today.year && at.month === today.month && at.day === today.day) return `${clock}${suffix}`;
  const month = new Intl.DateTimeFormat('en-GB', { timeZone, month: 'short' }).format(date);
  const year = at.year === today.year ? '' : ` ${at.year}`;
  return `${Number(at.day)} ${month}${year}, ${clock}${suffix}`;
}

/** The text and title of a `<time>`; undefined for a datetime that is not one. */
export function timeLabel(
  iso: string,
  now: number,
  options: { utc: boolean; timeZone?: string },
): { text: string; title: string } | undefined {
  const relative = relativeTime(iso, now);
  const absolute = absoluteTime(iso, now, options.utc ? 'UTC' : options.timeZone);
  if (!relative || !absolute) return undefined;
  return { text: `${absolute} · ${relative}`, title: utcText(iso) };
}

import type { OverrideInput } from './service.ts';
import { instantOf, isTimeZone, parseLocalDateTime } from './wall-clock.ts';

/**
 * The override form of the "On call now" card, read into the API's OverrideInput: `from`
 * and `until` are what a datetime-local field sends (`YYYY-MM-DDTHH:MM`, no zone), read in
 * the form's `zone` field (an IANA zone; the card fills in the rotation's). The rest of the
 * checks (a catalog User, the range, line lengths) are the API's own. Pure.
 */

/** What a refusal names: the first field at fault and why. */
export interface FormFault {
  field: string;
  message: string;
}

/** An IANA zone name is short; anything longer is not one. */
const ZONE_MAX = 64;
/** Said in the record when the form's reason is left empty (the API needs one). */
export const FORM_REASON = 'Set on the portal page';
export const FORM_REMOVAL_REASON = 'Removed on the portal page';

/** The instant a datetime-local reading names in `zone`, as ISO; undefined when it is not a real date and time. */
function instant(text: string, zone: string): string | undefined {
  const local = parseLocalDateTime(text.trim());
  return local === undefined ? undefined : new Date(instantOf(local, zone)).toISOString();
}

export function overrideFromForm(
  field: (name: string) => string | undefined,
): { input: OverrideInput } | { fault: FormFault } {
  const zone = (field('zone') ?? '').trim() || 'UTC';
  if (zone.length > ZONE_MAX || !isTimeZone(zone))
    return { fault: { field: 'zone', message: 'is not an IANA time zone (e.g. Europe/Berlin, or UTC)' } };
  const from = instant(field('from') ?? '', zone);
  if (!from) return { fault: { field: 'from', message: 'must be a date and time, YYYY-MM-DDTHH:MM' } };
  const until = instant(field('until') ?? '', zone);
  if (!until) return { fault: { field: 'until', message: 'must be a date and time, YYYY-MM-DDTHH:MM' } };
  const reason = (field('reason') ?? '').trim() || FORM_REASON;
  return { input: { user: (field('user') ?? '').trim(), from, until, reason } };
}

/**
 * Where an entity's on-call schedule lives outside Atrium, from its annotations. Pure.
 *
 * `pagerduty.com/service-id` is the Backstage PagerDuty plugin's annotation (its on-call
 * is the service's escalation policy); `pagerduty.com/schedule-id` names one schedule;
 * `opsgenie.com/schedule-id` / `opsgenie.com/schedule-name` an Opsgenie schedule by id or
 * by name. A schedule named outright wins over a service (it says exactly who is meant).
 */

export const PAGERDUTY_SERVICE_ID = 'pagerduty.com/service-id';
export const PAGERDUTY_SCHEDULE_ID = 'pagerduty.com/schedule-id';
export const OPSGENIE_SCHEDULE_ID = 'opsgenie.com/schedule-id';
export const OPSGENIE_SCHEDULE_NAME = 'opsgenie.com/schedule-name';

export type VendorTarget =
  | { source: 'pagerduty'; by: 'schedule' | 'service'; id: string }
  | { source: 'opsgenie'; by: 'id' | 'name'; id: string };

/** PagerDuty ids are short alphanumerics (`PABC123`); Opsgenie ids are UUIDs and names free text. */
const PAGERDUTY_ID = /^[A-Za-z0-9]{1,32}$/;
const OPSGENIE_ID = /^[A-Za-z0-9-]{1,64}$/;
const OPSGENIE_NAME = /^[^\u0000-\u001f\u007f/?#%\\]{1,100}$/;

/**
 * The schedule an entity's annotations name, PagerDuty first; undefined when none does
 * (or only malformed ones, which never reach a URL).
 */
export function vendorTargetOf(annotations: Readonly<Record<string, string>> | undefined): VendorTarget | undefined {
  const value = (name: string, shape: RegExp) => {
    const text = annotations?.[name]?.trim();
    return text !== undefined && shape.test(text) ? text : undefined;
  };
  const schedule = value(PAGERDUTY_SCHEDULE_ID, PAGERDUTY_ID);
  if (schedule) return { source: 'pagerduty', by: 'schedule', id: schedule };
  const service = value(PAGERDUTY_SERVICE_ID, PAGERDUTY_ID);
  if (service) return { source: 'pagerduty', by: 'service', id: service };
  const id = value(OPSGENIE_SCHEDULE_ID, OPSGENIE_ID);
  if (id) return { source: 'opsgenie', by: 'id', id };
  const name = value(OPSGENIE_SCHEDULE_NAME, OPSGENIE_NAME);
  return name ? { source: 'opsgenie', by: 'name', id: name } : undefined;
}

/** One key per schedule (the cache's), whichever entity names it. */
export function vendorTargetKey(target: VendorTarget): string {
  return JSON.stringify([target.source, target.by, target.id]);
}

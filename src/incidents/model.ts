/**
 * Incidents: severities, the milestones an incident moves through (FireHydrant's), its
 * roles, and the rules about them (which edits are valid, MTTA and MTTR). Nothing here
 * does I/O; times are UTC ISO-8601 strings.
 */

/** A severity: its name (what people say, `SEV2`) and what it means, most severe first in a list. */
export interface SeverityLevel {
  name: string;
  description: string;
}

/** The default scale (atrium.yaml's `incidents.severities` replaces it). */
export const DEFAULT_SEVERITIES: readonly SeverityLevel[] = [
  { name: 'SEV1', description: 'Critical: the service is down or data is at risk for many customers.' },
  { name: 'SEV2', description: 'Major: a core function is broken or badly degraded for many customers.' },
  { name: 'SEV3', description: 'Minor: a part is degraded, with a workaround, or few customers are affected.' },
  { name: 'SEV4', description: 'Low: little customer impact; worth tracking and learning from.' },
];

/**
 * FireHydrant's milestones, in order. An incident's status is the milestone it last
 * reached; `resolved` and later are closed for responders (the post-mortem is after).
 */
export const MILESTONES = [
  'started',
  'detected',
  'acknowledged',
  'investigating',
  'identified',
  'mitigated',
  'resolved',
  'postmortem',
  'closed',
] as const;
export type Milestone = (typeof MILESTONES)[number];

/** The people an incident names: the incident lead and who talks to customers. */
export const ROLES = ['lead', 'communications'] as const;
export type Role = (typeof ROLES)[number];

/** How an incident came to be declared. */
export const INCIDENT_SOURCES = ['manual', 'pagerduty', 'slo-alert'] as const;
export type IncidentSource = (typeof INCIDENT_SOURCES)[number];

export const TITLE_MAX = 200;
export const IMPACT_MAX = 4000;
export const NOTE_MAX = 20_000;
export const PERSON_MAX = 100;
/** Affected services an incident may name (a system of 50 is the benchmark's case). */
export const SERVICES_MAX = 200;
/** How far before the start the timeline reaches, by default and at most. */
export const DEFAULT_WINDOW_HOURS = 6;
export const MAX_WINDOW_HOURS = 72;

/** A deployment an incident is linked to: the change event's id, its service (key) and when it finished. */
export interface LinkedDeployment {
  id: number;
  service: string;
  at: string;
}

export interface Incident {
  id: number;
  title: string;
  severity: string;
  status: Milestone;
  /** Affected services' entity references; the first is the one it was declared on. */
  services: string[];
  /** When each reached milestone was reached (editable); `started` is always set and the earliest. */
  milestones: Partial<Record<Milestone, string>>;
  roles: Partial<Record<Role, string>>;
  customerImpact: string;
  /** The deployment it is linked to for DORA (null: none). */
  linkedDeployment: LinkedDeployment | null;
  /** How far before `started` the timeline reaches, hours. */
  windowHours: number;
  source: IncidentSource;
  /** The PagerDuty incident id, for a webhook's later events. */
  externalId: string | null;
  declaredBy: string;
  createdAt: string;
  updatedAt: string;
}

/** One recorded edit: who changed which field when, from what to what (JSON text of the values). */
export interface IncidentEdit {
  id: number;
  incidentId: number;
  at: string;
  by: string;
  field: string;
  before: string | null;
  after: string | null;
}

export interface IncidentNote {
  id: number;
  incidentId: number;
  at: string;
  by: string;
  /** Markdown, rendered escaped (raw HTML is never rendered). */
  body: string;
}

/** What a declaration says; everything but the service, severity and title has a default. */
export interface DeclareInput {
  service: string;
  severity: string;
  title: string;
  /** When it started (default: now). */
  startedAt?: string;
  customerImpact?: string;
  lead?: string;
  communications?: string;
  /** More affected services (the blast radius the form suggests). */
  services?: string[];
  windowHours?: number;
}

/** An edit of an incident; absent fields stay as they are, `null` clears a role or the linked deployment. */
export interface IncidentPatch {
  title?: string;
  severity?: string;
  status?: Milestone;
  milestones?: Partial<Record<Milestone, string>>;
  roles?: Partial<Record<Role, string | null>>;
  customerImpact?: string;
  services?: string[];
  /** A deployment's change event id (the service checks it is one of an affected service); null unlinks. */
  linkedDeployment?: number | null;
  windowHours?: number;
}

export interface FieldProblem {
  field: string;
  message: string;
}

/** Control characters other than line breaks and tabs: invisible in a notification, and a way to forge lines. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

export const isMilestone = (value: string): value is Milestone => (MILESTONES as readonly string[]).includes(value);

/** Position of a milestone in FireHydrant's order. */
export const milestoneIndex = (m: Milestone): number => MILESTONES.indexOf(m);

/** Responders are still on it: not resolved yet. */
export const isOpen = (status: Milestone): boolean => milestoneIndex(status) < milestoneIndex('resolved');

/** A severity's rank in the configured scale: 0 is the most severe; -1 when unknown. */
export function severityRank(severities: readonly SeverityLevel[], name: string): number {
  return severities.findIndex((s) => s.name === name);
}

/** Whether moving from one severity to the other makes it worse (a lower rank). */
export function isEscalation(severities: readonly SeverityLevel[], from: string, to: string): boolean {
  const [a, b] = [severityRank(severities, from), severityRank(severities, to)];
  return a >= 0 && b >= 0 && b < a;
}

/** One line of text (a title, a name): trimmed, bounded, no control characters or line breaks. */
export function lineProblem(value: string, max: number): string | undefined {
  const text = value.trim();
  if (text === '') return 'must not be empty';
  if (text.length > max) return `at most ${max} characters`;
  if (/[\r\n]/.test(text) || CONTROL.test(text)) return 'one line, no control characters';
  return undefined;
}

/** Free text (an impact summary, a note): bounded, no control characters but line breaks and tabs. */
export function textProblem(value: string, max: number, required: boolean): string | undefined {
  if (required && value.trim() === '') return 'must not be empty';
  if (value.length > max) return `at most ${max} characters`;
  if (CONTROL.test(value)) return 'control characters are not allowed';
  return undefined;
}

/**
 * What is wrong with a set of milestone times: each must be a time, none in the future
 * (beyond `slackMs`), `started` set and no later than any other (MTTA and MTTR count from it).
 */
export function milestoneProblems(
  milestones: Partial<Record<Milestone, string>>,
  now: Date,
  slackMs = 60_000,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const started = milestones.started === undefined ? Number.NaN : Date.parse(milestones.started);
  if (milestones.started === undefined) problems.push({ field: 'milestones.started', message: 'must be set' });
  for (const m of MILESTONES) {
    const value = milestones[m];
    if (value === undefined) continue;
    const ms = Date.parse(value);
    if (Number.isNaN(ms) || !/^\d{4}-\d\d-\d\dT/.test(value))
      problems.push({ field: `milestones.${m}`, message: 'is not an ISO-8601 date and time' });
    else if (ms > now.getTime() + slackMs)
      problems.push({
        field: `milestones.${m}`,
        message: `is in the future (the server's time is ${now.toISOString()})`,
      });
    else if (m !== 'started' && !Number.isNaN(started) && ms < started)
      problems.push({ field: `milestones.${m}`, message: 'is before the incident started (started is the earliest)' });
  }
  return problems;
}

/** UTC ISO form of each milestone time (inputs may carry offsets); invalid ones are left for milestoneProblems. */
export function normaliseMilestones(
  milestones: Partial<Record<Milestone, string>>,
): Partial<Record<Milestone, string>> {
  const out: Partial<Record<Milestone, string>> = {};
  for (const m of MILESTONES) {
    const value = milestones[m];
    if (value === undefined) continue;
    const ms = Date.parse(value);
    out[m] = Number.isNaN(ms) ? value : new Date(ms).toISOString();
  }
  return out;
}

/**
 * The milestones after moving to `status` at `at`: the milestone is stamped unless it
 * already has a time (an edited time is kept). Milestones skipped stay unset rather than
 * take a time nobody saw: a resolution without an acknowledgement has no MTTA.
 */
export function reachMilestone(
  milestones: Partial<Record<Milestone, string>>,
  status: Milestone,
  at: string,
): Partial<Record<Milestone, string>> {
  return milestones[status] === undefined ? { ...milestones, [status]: at } : { ...milestones };
}

/** Seconds from one milestone to another, or null when either is missing. */
function secondsBetween(milestones: Partial<Record<Milestone, string>>, from: Milestone, to: Milestone): number | null {
  const [a, b] = [milestones[from], milestones[to]];
  if (a === undefined || b === undefined) return null;
  return Math.max(0, (Date.parse(b) - Date.parse(a)) / 1000);
}

/** Time to acknowledge, measured from the start (not the declaration), seconds. */
export const mttaSeconds = (incident: Pick<Incident, 'milestones'>): number | null =>
  secondsBetween(incident.milestones, 'started', 'acknowledged');

/** Time to resolve, measured from the start, seconds. */
export const mttrSeconds = (incident: Pick<Incident, 'milestones'>): number | null =>
  secondsBetween(incident.milestones, 'started', 'resolved');

/** What a declaration's own fields get wrong (the service's existence and the severity's are the service's to check). */
export function declareProblems(input: DeclareInput, severities: readonly SeverityLevel[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const title = lineProblem(input.title, TITLE_MAX);
  if (title) problems.push({ field: 'title', message: title });
  if (severityRank(severities, input.severity) < 0)
    problems.push({ field: 'severity', message: `must be one of ${severities.map((s) => s.name).join(', ')}` });
  if (input.customerImpact !== undefined) {
    const impact = textProblem(input.customerImpact, IMPACT_MAX, false);
    if (impact) problems.push({ field: 'customerImpact', message: impact });
  }
  for (const role of ROLES) {
    const person = input[role];
    const problem = person === undefined ? undefined : lineProblem(person, PERSON_MAX);
    if (problem) problems.push({ field: role, message: problem });
  }
  if (input.windowHours !== undefined) problems.push(...windowProblems(input.windowHours));
  if ((input.services?.length ?? 0) + 1 > SERVICES_MAX)
    problems.push({ field: 'services', message: `at most ${SERVICES_MAX} affected services` });
  return problems;
}

function windowProblems(hours: number): FieldProblem[] {
  return Number.isInteger(hours) && hours >= 1 && hours <= MAX_WINDOW_HOURS
    ? []
    : [{ field: 'windowHours', message: `a whole number of hours from 1 to ${MAX_WINDOW_HOURS}` }];
}

/** What an edit's own fields get wrong. */
export function patchProblems(patch: IncidentPatch, severities: readonly SeverityLevel[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (patch.title !== undefined) {
    const title = lineProblem(patch.title, TITLE_MAX);
    if (title) problems.push({ field: 'title', message: title });
  }
  if (patch.severity !== undefined && severityRank(severities, patch.severity) < 0)
    problems.push({ field: 'severity', message: `must be one of ${severities.map((s) => s.name).join(', ')}` });
  if (patch.customerImpact !== undefined) {
    const impact = textProblem(patch.customerImpact, IMPACT_MAX, false);
    if (impact) problems.push({ field: 'customerImpact', message: impact });
  }
  for (const role of ROLES) {
    const person = patch.roles?.[role];
    const problem = person === undefined || person === null ? undefined : lineProblem(person, PERSON_MAX);
    if (problem) problems.push({ field: `roles.${role}`, message: problem });
  }
  if (patch.windowHours !== undefined) problems.push(...windowProblems(patch.windowHours));
  if (patch.services !== undefined && (patch.services.length === 0 || patch.services.length > SERVICES_MAX))
    problems.push({ field: 'services', message: `from 1 to ${SERVICES_MAX} affected services` });
  return problems;
}

/** The fields an edit compares and records, each as the JSON text of its value. */
const TRACKED = [
  'title',
  'severity',
  'status',
  'milestones',
  'roles',
  'customerImpact',
  'services',
  'linkedDeployment',
  'windowHours',
] as const;

/** The edits between two versions of an incident, one per changed field (values as JSON text). */
export function editsBetween(
  before: Incident,
  after: Incident,
): { field: string; before: string | null; after: string | null }[] {
  const edits: { field: string; before: string | null; after: string | null }[] = [];
  for (const field of TRACKED) {
    if (field === 'milestones' || field === 'roles') {
      // One edit per milestone or role, so the history says which time or person changed.
      const keys = field === 'milestones' ? MILESTONES : ROLES;
      const [a, b] = [
        before[field] as Record<string, string | undefined>,
        after[field] as Record<string, string | undefined>,
      ];
      for (const k of keys)
        if (a[k] !== b[k])
          edits.push({
            field: `${field}.${k}`,
            before: a[k] === undefined ? null : JSON.stringify(a[k]),
            after: b[k] === undefined ? null : JSON.stringify(b[k]),
          });
      continue;
    }
    const [a, b] = [JSON.stringify(before[field]), JSON.stringify(after[field])];
    if (a !== b) edits.push({ field, before: a, after: b });
  }
  return edits;
}

/**
 * Applies an edit (already checked) to an incident, stamping a newly reached status at
 * `at`. The linked deployment is the service's to resolve (it reads the change events).
 */
export function applyPatch(incident: Incident, patch: IncidentPatch, at: string): Incident {
  let milestones = normaliseMilestones({ ...incident.milestones, ...(patch.milestones ?? {}) });
  const status = patch.status ?? incident.status;
  if (patch.status !== undefined) milestones = reachMilestone(milestones, patch.status, at);
  const roles: Partial<Record<Role, string>> = { ...incident.roles };
  for (const role of ROLES) {
    const person = patch.roles?.[role];
    if (person === null) delete roles[role];
    else if (person !== undefined) roles[role] = person.trim();
  }
  return {
    ...incident,
    title: patch.title?.trim() ?? incident.title,
    severity: patch.severity ?? incident.severity,
    status,
    milestones,
    roles,
    customerImpact: patch.customerImpact ?? incident.customerImpact,
    services: patch.services ?? incident.services,
    windowHours: patch.windowHours ?? incident.windowHours,
    updatedAt: at,
  };
}

/** One line about an incident for notifications and timelines: `SEV2 incident #12: title`. */
export function incidentLine(incident: Pick<Incident, 'id' | 'severity' | 'title'>): string {
  return `${incident.severity} incident #${incident.id}: ${incident.title}`;
}

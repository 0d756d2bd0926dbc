/**
 * Synthetic checks: what a `kind: Check` declares, what a run at one location answers,
 * and the statuses the rules derive from runs. The shared vocabulary of the checks
 * capability's rules, executors, store, routes and pages. Pure.
 */

/** The one apiVersion of Atrium's Check kind. */
export const CHECK_API_VERSION = 'atrium.dev/v1';

/** The runner work kind checks are executed under (WorkOrder.kind, WorkExecutor.kind). */
export const CHECK_WORK_KIND = 'check';

export const CHECK_TYPES = ['http', 'tcp', 'dns', 'tls', 'browser'] as const;
export type CheckType = (typeof CHECK_TYPES)[number];

/** A runner location's name, as runners are started with (`--location eu-west-1`). */
export const LOCATION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A check's status, and each location's: `pending` until a run says otherwise. */
export const CHECK_STATUSES = ['pending', 'passing', 'degraded', 'failing'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

/** One run's verdict at one location. */
export type RunStatus = 'passing' | 'degraded' | 'failing';

export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** What a check asks, by type; what its executor receives (inside the work order's payload). */
export type CheckRequest =
  | {
      type: 'http';
      method: HttpMethod;
      url: string;
      /** Values may hold `${secret:NAME}`, replaced on the runner and redacted from what it reports. */
      headers: Readonly<Record<string, string>>;
      body?: string;
      assertions: readonly string[];
    }
  | { type: 'tcp'; host: string; port: number }
  | { type: 'dns'; name: string; recordType: DnsRecordType; expect: readonly string[]; server?: string }
  | { type: 'tls'; host: string; port: number; minDaysValid: number }
  | { type: 'browser'; script: string };

export interface RetryPolicy {
  strategy: 'fixed' | 'linear';
  /** Further attempts after a failing one (0: none). */
  count: number;
  /** Wait before the first retry; `linear` waits n times it before the n-th. */
  delayMs: number;
  /** Retry where the run failed (on the runner, within the run); false: at another of the check's locations. */
  sameLocation: boolean;
}

/** A declared span during which the check keeps running and recording but alerts nobody. */
export interface MaintenanceWindow {
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive. */
  end: number;
  reason?: string;
}

/** A check as declared in the catalog, read into what the capability works with. */
export interface CheckDefinition {
  /** The check entity's key (`check:default/shipments-health`). */
  key: string;
  namespace: string;
  name: string;
  title?: string;
  /** The service's entity key (`component:default/shipment-service`). */
  service: string;
  /** The owning group's key; the service's owner when the check names none (empty when neither is known). */
  owner: string;
  intervalMs: number;
  /** Where in each interval its rounds run (ms, in [0, intervalMs)): fixed per check, a hash of its key (status.ts's checkOffset). */
  offsetMs: number;
  /** Named runner locations, or `all` (every known runner location and `local`). */
  locations: 'all' | readonly string[];
  timeoutMs: number;
  retries: RetryPolicy;
  /** Above this response time a passing run is degraded (counts as available). */
  degradedMs?: number;
  /** Above this response time a run fails. */
  maxMs?: number;
  /** Consecutive failing runs before a location is failing; consecutive good runs before it recovers. */
  thresholds: { failure: number; success: number };
  /** Locations failing at once before the check is failing (k of n); fewer make it degraded. */
  failingLocations: number;
  maintenance: readonly MaintenanceWindow[];
  request: CheckRequest;
  /** Server secrets the request names (`${secret:NAME}`), handed to the runner with the order. */
  secrets: readonly string[];
}

/** Time spent in each phase of a run, ms; absent for a phase that did not happen (no TLS on http:, a DNS cache hit). */
export interface Timings {
  dns?: number;
  connect?: number;
  tls?: number;
  firstByte?: number;
  total: number;
}

/** One assertion's outcome: what was written, whether it held, and what was seen (bounded, redacted). */
export interface AssertionResult {
  assertion: string;
  passed: boolean;
  actual: string;
}

/** Web vitals of the page a browser check measured, ms from its navigation start (CLS unitless). */
export interface WebVitals {
  /** Largest contentful paint. */
  lcp?: number;
  /** Cumulative layout shift (the largest session window; shifts after input left out). */
  cls?: number;
  /** Interaction to next paint (the longest interaction), when the script interacted. */
  inp?: number;
  /** Time to first byte. */
  ttfb?: number;
  /** Time to first meaningful interaction: the later of the page's `performance.mark('ttfmi')` and the end of processing of the script's first interaction on it. */
  ttfmi?: number;
}

/** One step of a browser script (`step(name, fn)`). */
export interface BrowserStep {
  name: string;
  passed: boolean;
  ms: number;
  error?: string;
}

/** What a browser check's run adds to its result (redacted, bounded). */
export interface BrowserRunDetail {
  /** The page the vitals were measured on. */
  url?: string;
  vitals: WebVitals;
  steps: BrowserStep[];
  /** Requests the runner refused (private or metadata addresses), each reason once. */
  refusals: string[];
  /** What the script wrote with console.*, bounded. */
  log?: string;
}

/** What a check executor reports back (WorkOutcome.detail). */
export interface CheckRunDetail {
  /** The response time the thresholds judge (the whole run, ms). */
  responseTimeMs: number;
  timings: Timings;
  assertions: readonly AssertionResult[];
  /** The start of the response body on failure, bounded and redacted. */
  excerpt?: string;
  /** Attempts made at this location (1 without retries). */
  attempts: number;
  /** A browser check's steps, vitals and refusals. */
  browser?: BrowserRunDetail;
  /** A failing browser check's screenshot: a JPEG, base64, at most 128 KiB. */
  screenshot?: string;
}

/** A location's state: its status, the streaks that move it, and its last run and failure. */
export interface LocationState {
  location: string;
  status: CheckStatus;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  lastRunAt?: string;
  lastRunStatus?: RunStatus;
  lastFailureAt?: string;
  lastFailureReason?: string;
}

/** A stored run at one location. */
export interface CheckResult {
  runId: string;
  check: string;
  location: string;
  /** The round's start, ISO 8601 (runs of one round at every location share it). */
  round: string;
  at: string;
  status: RunStatus;
  responseTimeMs?: number;
  timings?: Timings;
  assertions: AssertionResult[];
  excerpt?: string;
  /** One line saying why it failed (never a secret). */
  error?: string;
  runner?: string;
  /** A browser check's steps, vitals and refusals. */
  browser?: BrowserRunDetail;
  /** Whether a screenshot of the failing page is kept (`…/results/{runId}/screenshot`). */
  screenshot?: boolean;
}

/** The answer of `GET /api/v1/checks/{namespace}/{name}`, and what pages show. */
export interface CheckStatusView {
  key: string;
  namespace: string;
  name: string;
  title?: string;
  service: string;
  owner: string;
  type: CheckType;
  interval: string;
  status: CheckStatus;
  /** Whether a maintenance window is open now (alerts are held). */
  inMaintenance: boolean;
  locations: {
    location: string;
    status: CheckStatus;
    lastRunAt: string | null;
    lastFailureAt: string | null;
    lastFailureReason: string | null;
  }[];
}

/** A point of the response-time chart: one hour's (or one run's) mean and worst response time at a location. */
export interface ResponsePoint {
  at: string;
  location: string;
  meanMs: number;
  maxMs: number;
  runs: number;
  failing: number;
}

/**
 * Service-level objectives: what an SLO declares (from `kind: SLO`, OpenSLO or Sloth
 * files), what its evaluation answers, and the alert windows of the SRE workbook. The
 * shared vocabulary of the slo capability's rules, store, routes and pages. Pure.
 */

/** The one apiVersion of Atrium's own SLO kind. */
export const SLO_API_VERSION = 'atrium.dev/v1';

/** A rolling window of whole days (`28d`, `30d`), or calendar months in a time zone. */
export type SloWindow = { kind: 'rolling'; days: number } | { kind: 'calendar'; unit: 'month'; timeZone: string };

/**
 * Where good and total events come from. Queries keep Sloth's `{{window}}` placeholder,
 * replaced by a PromQL range (`5m`, `1h`, …) at evaluation.
 */
export type SloIndicator =
  | { type: 'ratio'; good?: string; errors?: string; total: string; grouping?: readonly string[] }
  | { type: 'latency'; metric: string; thresholdSeconds: string; selector?: string }
  | { type: 'events' }
  | { type: 'checks'; checks: readonly string[] };

/** Alert severities: `page` wakes someone, `ticket` waits for working hours. */
export type AlertSeverity = 'page' | 'ticket';

/** The windows burn rates are reported over (the keys of `burnRates` in the API). */
export const BURN_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
export type BurnWindow = (typeof BURN_WINDOWS)[number];

/**
 * One multi-window alert (SRE workbook, "Alerting on SLOs", table 5-8): it fires when the
 * burn rate over both windows exceeds the factor that spends `budgetConsumed` of the
 * window's budget over `long`. For a 30-day window the factors are 14.4, 6, 3 and 1; for
 * other windows they scale with the window's length (28 days: 13.44, 5.6, 2.8, 0.9333…).
 */
export interface AlertWindowPair {
  severity: AlertSeverity;
  long: BurnWindow;
  short: BurnWindow;
  /** Fraction of the SLO window's error budget, as decimal text ("0.02" = 2 %). */
  budgetConsumed: string;
}

/** The workbook's pairs plus Sloth's 3×-over-1d ticket, in the order they are checked. */
export const DEFAULT_ALERT_PAIRS: readonly AlertWindowPair[] = [
  { severity: 'page', long: '1h', short: '5m', budgetConsumed: '0.02' },
  { severity: 'page', long: '6h', short: '30m', budgetConsumed: '0.05' },
  { severity: 'ticket', long: '1d', short: '2h', budgetConsumed: '0.1' },
  { severity: 'ticket', long: '3d', short: '6h', budgetConsumed: '0.1' },
];

/** Below this many events in a window, its burn rate does not fire (3 requests, 1 error must not page). */
export const DEFAULT_MIN_EVENTS = 100;

/** An SLO as declared, whatever file format it came from; one per group value when `grouping` splits it. */
export interface SloDefinition {
  /** The SLO entity's key (`slo:default/shipments-availability`). */
  key: string;
  namespace: string;
  name: string;
  title?: string;
  description?: string;
  /** The service's entity key (`component:default/shipment-service`). */
  service: string;
  /** The owning group's entity key; the service's owner when the SLO names none. */
  owner: string;
  /** Percent as exact decimal text, in (0, 100): "99.9". */
  objective: string;
  window: SloWindow;
  indicator: SloIndicator;
  alerting: { pairs: readonly AlertWindowPair[]; minEvents: number };
  /** The Prometheus data source's name for ratio and latency indicators (`default` when one is configured). */
  source?: string;
  /** For one of the SLOs a `grouping` splits: its group's label values (`{ route: "/pay" }`). */
  group?: Readonly<Record<string, string>>;
}

/** What an evaluation knows about its data: measured, nothing recorded, or the source failing. */
export type SloDataState = 'ok' | 'no-data' | 'source-down';

export interface SloAlert {
  severity: AlertSeverity;
  state: 'firing' | 'resolved';
  /** When it started firing (or resolved), ISO 8601. */
  since: string;
  long: BurnWindow;
  short: BurnWindow;
  /** The burn-rate factor both windows exceeded, as exact decimal text ("14.4"). */
  factor: string;
  /** Stable per SLO and severity: the receivers' dedup key (PagerDuty `dedup_key`). */
  dedupKey: string;
}

/** The answer of `GET /api/v1/slos/{namespace}/{name}`, and what the Health card shows. */
export interface SloStatus {
  key: string;
  namespace: string;
  name: string;
  service: string;
  owner: string;
  objective: string;
  window: SloWindow;
  indicator: SloIndicator['type'];
  dataState: SloDataState;
  /** Good ÷ total over the SLO window; undefined without data. */
  sli?: number;
  /** Fraction of the window's budget left: 1 untouched, 0 spent, negative overspent. */
  budgetRemaining?: number;
  /** Error ratio ÷ (1 − objective) per window; null where a window had no events. */
  burnRates: Partial<Record<BurnWindow, number | null>>;
  /** When the budget runs out at the current (1h) burn, ISO 8601; undefined when it will not within the window. */
  exhaustsAt?: string;
  alerts: SloAlert[];
  /** When the last evaluation cycle ran (kept once per cycle, not per status); absent before the first. */
  evaluatedAt?: string;
  /** Why the data state is not `ok`, in words a person reads (never a URL or a secret). */
  detail?: string;
}

/** The measuring windows: the burn windows, and `slo` for the SLO's whole window (the budget). */
export type MeasureWindow = BurnWindow | 'slo';

/** Good and total events over one window, as counts (a Prometheus rate is multiplied by the window's seconds). */
export interface EventCounts {
  good: number;
  total: number;
}

/** What a data source answers for one SLO: counts per window (absent where nothing was recorded), or why not. */
export type Measurement =
  | { state: 'ok'; windows: Partial<Record<MeasureWindow, EventCounts>> }
  | { state: 'no-data'; detail?: string }
  | { state: 'source-down'; detail: string };

/**
 * Where an indicator's events are read: Prometheus (ratio, latency), Atrium's own store
 * (pushed events, checks). A source never throws for its own failures; it answers
 * `source-down` with a detail a person can read.
 */
export interface SloDataSource {
  measure(slo: SloDefinition, windows: readonly MeasureWindow[], at: Date): Promise<Measurement>;
  /**
   * Many SLOs at once, by SLO key, where a source can do better than one question each (the
   * pushed-events source sums every SLO's windows in one query); evaluation prefers it.
   */
  measureMany?(
    slos: readonly SloDefinition[],
    windows: readonly MeasureWindow[],
    at: Date,
  ): Promise<Map<string, Measurement>>;
}

/** A point of the budget-burn chart: the budget left at `at`. */
export interface BudgetPoint {
  at: string;
  budgetRemaining: number;
}

/** An alert's change of state, for the SLO page's history and the change timeline. */
export interface AlertEvent {
  slo: string;
  severity: AlertSeverity;
  state: 'firing' | 'resolved';
  at: string;
  factor: string;
  long: BurnWindow;
  short: BurnWindow;
}

/** What pages read of SLOs in the live portal (the static export has none). */
export interface SloReader {
  /** The SLOs of a service, worst budget first. */
  forService(serviceKey: string): Promise<SloStatus[]>;
  /**
   * Whether a service has SLOs, or a team owns some, as last read (undefined: not known
   * yet); pages of services and teams without skip each cycle.
   */
  hasSlos?(key: string): boolean | undefined;
  /** The SLOs of every service a team owns, worst budget first. */
  forOwner(groupKey: string): Promise<SloStatus[]>;
  status(sloKey: string): Promise<SloStatus | undefined>;
  /** Budget left over the SLO's window, oldest first, at most `points` points. */
  budgetHistory(sloKey: string, points: number): Promise<BudgetPoint[]>;
  alertHistory(sloKey: string, limit: number): Promise<AlertEvent[]>;
}

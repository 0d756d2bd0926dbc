import { SECRET_REFERENCE } from './check-definition.ts';
import type { Timings, WebVitals } from './model.ts';

/**
 * The pure side of browser checks: how a script's `${secret:NAME}` references are filled
 * in, what the page-side collector of web vitals reports, and how the reported numbers
 * are derived from it. The runner's worker (browser-worker.ts) does the I/O. Pure.
 */

/** What the page-side collector snapshots of one document (times from its navigation start). */
export interface DocumentSnapshot {
  /** The document's time origin (epoch ms, fractional): tells documents apart and orders them. */
  origin: number;
  url: string;
  lcp?: number;
  cls: number;
  /** The longest interaction seen (event timing, interactions ≥ 16 ms, and the first input whatever its length). */
  inp?: number;
  /** The first interaction's processingEnd: its event handlers have all run. */
  firstInputEnd?: number;
  /** The first `performance.mark('ttfmi')`'s time. */
  mark?: number;
  navigation?: { dns: number; connect: number; tls?: number; firstByte: number; ttfb: number };
}

/**
 * Each `${secret:NAME}` in the script replaced by the secret's value escaped as the inside
 * of a JavaScript string literal (quotes, backslashes, `$`, backticks and controls
 * escaped), so a value can neither end the string it stands in nor open a template
 * expression: references belong inside quotes (`'${secret:PASSWORD}'`). Answers the name of
 * a secret the order did not bring instead.
 */
export function fillScriptSecrets(
  script: string,
  secrets: Readonly<Record<string, string>>,
): { script: string } | { missing: string } {
  let missing: string | undefined;
  const filled = script.replace(SECRET_REFERENCE, (_, name: string) => {
    const value = secrets[name];
    if (value === undefined) {
      missing ??= name;
      return '';
    }
    return escapeForString(value);
  });
  return missing === undefined ? { script: filled } : { missing };
}

/** A value as the inside of any JavaScript string or template literal. */
export function escapeForString(value: string): string {
  return value.replace(/[\\'"`$]/g, '\\$&').replace(/[\u0000-\u001f\u2028\u2029]/g, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/**
 * The forms a secret takes in what a browser run reports: itself, escaped as the script holds
 * it, and URL-encoded as a page's address shows it. Each is blanked.
 */
export function secretForms(secret: string): string[] {
  return [...new Set([secret, escapeForString(secret), encodeURIComponent(secret)])];
}

/**
 * The page-side collector, run in every document before its own scripts (an init script):
 * buffered performance observers fill one snapshot, handed to `report` (an exposed binding)
 * after each observation so a document the script navigates away from leaves its numbers
 * behind. Kept as a function so it is type-checked; it is sent as its source text.
 */
export function vitalsCollector(bindingName: string): void {
  const w = window as unknown as Record<string, (text: string) => void>;
  const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
  const snapshot: DocumentSnapshot = { origin: performance.timeOrigin, url: location.href, cls: 0 };
  let pending = false;
  const send = () => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => {
      pending = false;
      const report = w[bindingName];
      if (typeof report === 'function') report(JSON.stringify(snapshot));
    });
  };
  const observers: [PerformanceObserver, (entry: PerformanceEntry) => void][] = [];
  const observe = (type: string, onEntry: (entry: PerformanceEntry) => void, extra: object = {}) => {
    try {
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) onEntry(entry);
        send();
      });
      observer.observe({ type, buffered: true, ...extra } as PerformanceObserverInit);
      observers.push([observer, onEntry]);
    } catch {
      // An entry type this browser does not know: that vital stays absent.
    }
  };
  let session = 0;
  let sessionStart = 0;
  let lastShift = 0;
  observe('largest-contentful-paint', (e) => {
    snapshot.lcp = e.startTime;
  });
  observe('layout-shift', (e) => {
    const shift = e as PerformanceEntry & { value: number; hadRecentInput: boolean };
    if (shift.hadRecentInput) return;
    if (session > 0 && e.startTime - lastShift < 1000 && e.startTime - sessionStart < 5000) session += shift.value;
    else {
      session = shift.value;
      sessionStart = e.startTime;
    }
    lastShift = e.startTime;
    snapshot.cls = Math.max(snapshot.cls, session);
  });
  const interaction = (e: PerformanceEntry) => {
    snapshot.inp = Math.max(snapshot.inp ?? 0, e.duration);
  };
  observe('first-input', (e) => {
    snapshot.firstInputEnd ??= (e as PerformanceEventTiming).processingEnd;
    interaction(e);
  });
  observe(
    'event',
    (e) => {
      if ((e as PerformanceEventTiming & { interactionId?: number }).interactionId) interaction(e);
    },
    { durationThreshold: 16 },
  );
  observe('mark', (e) => {
    if (e.name === 'ttfmi' && snapshot.mark === undefined) snapshot.mark = e.startTime;
  });
  const readNavigation = () => {
    const n = (performance.getEntriesByType('navigation')[0] ?? nav) as PerformanceNavigationTiming | undefined;
    if (!n || n.responseStart <= 0) return;
    snapshot.navigation = {
      dns: n.domainLookupEnd - n.domainLookupStart,
      connect: n.connectEnd - n.connectStart,
      ...(n.secureConnectionStart > 0 ? { tls: n.connectEnd - n.secureConnectionStart } : {}),
      firstByte: n.responseStart - n.requestStart,
      ttfb: n.responseStart,
    };
    send();
  };
  if (document.readyState === 'complete') readNavigation();
  else addEventListener('load', readNavigation, { once: true });
  // A real (trusted) input reached this document: its first-input entry is owed.
  let interacted = false;
  for (const type of ['pointerdown', 'keydown'])
    addEventListener(type, (e) => void (interacted ||= e.isTrusted), { capture: true, passive: true });
  // The final reading: after the next frame (an interaction's entry exists once its paint
  // happened), with the entries not yet handed to the observers' callbacks taken now. The
  // browser hands an interaction's entry over some frames after it on a busy machine, so
  // after a trusted input the reading waits frame by frame for its first-input entry, up
  // to two seconds (then reports without it).
  const final = () =>
    new Promise<string>((resolve) => {
      const until = performance.now() + 2000;
      const read = () =>
        requestAnimationFrame(() =>
          setTimeout(() => {
            for (const [observer, onEntry] of observers) for (const entry of observer.takeRecords()) onEntry(entry);
            if (interacted && snapshot.firstInputEnd === undefined && performance.now() < until) return read();
            readNavigation();
            resolve(JSON.stringify(snapshot));
          }, 0),
        );
      read();
    });
  Object.defineProperty(window, `${bindingName}_snapshot`, { value: final });
}

const round = (value: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

/**
 * The document whose numbers a run reports: the first (in navigation order) where the
 * script's first interaction happened; without an interaction, the last document the
 * script showed. About:blank and documents that never loaded anything do not count.
 */
export function measuredDocument(snapshots: readonly DocumentSnapshot[]): DocumentSnapshot | undefined {
  const loaded = [...snapshots]
    .filter((s) => /^https?:/.test(s.url) && s.navigation !== undefined)
    .sort((a, b) => a.origin - b.origin);
  return loaded.find((s) => s.firstInputEnd !== undefined) ?? loaded.at(-1);
}

/** The reported vitals of a document: ttfmi the later of its mark and its first interaction's end, either when only one exists. */
export function vitalsOf(snapshot: DocumentSnapshot): WebVitals {
  const ttfmiParts = [snapshot.mark, snapshot.firstInputEnd].filter((v): v is number => v !== undefined);
  return {
    ...(snapshot.lcp === undefined ? {} : { lcp: round(snapshot.lcp) }),
    cls: round(snapshot.cls, 4),
    ...(snapshot.inp === undefined ? {} : { inp: round(snapshot.inp) }),
    ...(snapshot.navigation ? { ttfb: round(snapshot.navigation.ttfb) } : {}),
    ...(ttfmiParts.length > 0 ? { ttfmi: round(Math.max(...ttfmiParts)) } : {}),
  };
}

/** A run's timings: the whole run's total, with the measured document's navigation phases where the browser gave them. */
export function browserTimings(snapshot: DocumentSnapshot | undefined, totalMs: number): Timings {
  const n = snapshot?.navigation;
  if (!n) return { total: round(totalMs) };
  return {
    dns: round(n.dns),
    connect: round(n.connect - (n.tls ?? 0)),
    ...(n.tls === undefined ? {} : { tls: round(n.tls) }),
    firstByte: round(n.firstByte),
    total: round(totalMs),
  };
}

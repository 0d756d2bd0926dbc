import { windowRange } from './budget.ts';
import { burnWindowMs } from './burn.ts';
import type { EventCounts, Measurement, MeasureWindow, SloDataSource, SloDefinition } from './model.ts';
import type { SloStore, SumWindow } from './store.ts';

/**
 * Pushed events as a data source: each window's good and total summed from the store's
 * buckets. The SLO window (`slo`) runs from its start (a rolling window's days, a calendar
 * month's first local midnight) to now. Many SLOs are measured in one query, not one per
 * SLO.
 */
export class EventsSource implements SloDataSource {
  constructor(private readonly store: SloStore) {}

  async measure(slo: SloDefinition, windows: readonly MeasureWindow[], at: Date): Promise<Measurement> {
    const { sums, ids } = this.plan([slo], windows, at.getTime());
    const found = await this.store.windowSums(sums, at.getTime() + 1, [slo.key]);
    return measurementOf(found.get(slo.key), ids(slo));
  }

  async measureMany(
    slos: readonly SloDefinition[],
    windows: readonly MeasureWindow[],
    at: Date,
  ): Promise<Map<string, Measurement>> {
    const { sums, ids } = this.plan(slos, windows, at.getTime());
    // Only these SLOs' sums: evaluation measures a slice at a time (one slice of the event loop each).
    const found = await this.store.windowSums(
      sums,
      at.getTime() + 1,
      slos.map((slo) => slo.key),
    );
    return new Map(slos.map((slo) => [slo.key, measurementOf(found.get(slo.key), ids(slo))]));
  }

  /** The windows to sum (each SLO window start once) and, per SLO, which summed id answers which window. */
  private plan(slos: readonly SloDefinition[], windows: readonly MeasureWindow[], at: number) {
    const sums = new Map<string, SumWindow>();
    for (const w of windows) if (w !== 'slo') sums.set(w, { id: w, start: at - burnWindowMs(w) });
    const sloWindowId = (slo: SloDefinition) => `slo@${windowRange(slo.window, at).start}`;
    if (windows.includes('slo'))
      for (const slo of slos) {
        const id = sloWindowId(slo);
        if (!sums.has(id)) sums.set(id, { id, start: windowRange(slo.window, at).start });
      }
    const ids = (slo: SloDefinition) =>
      windows.map((w): [MeasureWindow, string] => [w, w === 'slo' ? sloWindowId(slo) : w]);
    return { sums: [...sums.values()], ids };
  }
}

function measurementOf(
  found: Map<string, EventCounts> | undefined,
  ids: readonly [MeasureWindow, string][],
): Measurement {
  if (!found || found.size === 0) return { state: 'no-data', detail: 'No events have been pushed for this SLO yet.' };
  const windows: Partial<Record<MeasureWindow, EventCounts>> = {};
  for (const [window, id] of ids) {
    const counts = found.get(id);
    if (counts) windows[window] = counts;
  }
  return { state: 'ok', windows };
}

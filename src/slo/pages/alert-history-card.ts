import { emptyNote, section, timestamp } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import type { AlertEvent } from '../model.ts';

/** An SLO's alerts as they fired and resolved, newest first, with the windows that crossed the line. */
export function alertHistoryCard(events: readonly AlertEvent[]): Html {
  return section(
    'slo-alert-history',
    'Alert history',
    events.length === 0
      ? emptyNote('No alert has fired for this SLO.')
      : html`<ol class="timeline">${events.map(
          (e) =>
            html`<li class="timeline-event">${e.severity === 'page' ? html`<span class="badge badge-error">page</span>` : html`<span class="badge badge-warn">ticket</span>`} <span class="timeline-summary">${e.state === 'firing' ? 'Fired' : 'Resolved'}: burn ${e.state === 'firing' ? 'above' : 'back under'} ${e.factor}× over ${e.long} and ${e.short}</span><p class="muted small timeline-meta">${timestamp(e.at)}</p></li>`,
        )}</ol>`,
  );
}

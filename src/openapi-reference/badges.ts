import { html, type Html } from '../web/html.ts';
import type { HttpMethod } from './api-model.ts';

/** Small marks shared by operations, parameters and schema properties. */

export function methodBadge(method: HttpMethod): Html {
  return html`<span class="method method-${method}">${method.toUpperCase()}</span>`;
}

export function deprecatedBadge(): Html {
  return html`<span class="badge badge-deprecated">Deprecated</span>`;
}

export function requiredBadge(): Html {
  return html`<span class="badge badge-required">required</span>`;
}

/** "Sunset <time>": a machine-readable datetime when the text is a date the browser can read, else the text alone. */
export function sunsetNote(date: string): Html {
  const datetime = machineDate(date);
  return html`<span class="sunset">Sunset ${datetime ? html`<time datetime="${datetime}">${date}</time>` : date}</span>`;
}

/** A valid `datetime` attribute for the text: ISO dates as written, other parseable forms (RFC 8594's HTTP-date) converted. */
export function machineDate(text: string): string | undefined {
  const time = Date.parse(text);
  if (Number.isNaN(time)) return undefined;
  const iso = new Date(time).toISOString();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return iso.startsWith(text) ? text : undefined; // 2027-02-31 parses, but is no date
  return iso;
}

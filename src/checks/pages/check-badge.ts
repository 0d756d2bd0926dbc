import { html, type Html } from '../../web/html.ts';
import type { CheckStatus, RunStatus } from '../model.ts';

/** A status as a badge whose word carries it (colour only repeats what the word says). */
const BADGES: Record<CheckStatus, Html> = {
  passing: html`<span class="badge badge-ok">up</span>`,
  degraded: html`<span class="badge badge-warn">degraded</span>`,
  failing: html`<span class="badge badge-error">failing</span>`,
  pending: html`<span class="badge badge-quiet">pending</span>`,
};

export function checkBadge(status: CheckStatus | RunStatus): Html {
  return BADGES[status];
}

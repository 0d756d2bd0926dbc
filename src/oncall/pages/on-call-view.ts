import { entityLink, timestamp } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import { entityUrl, type Site } from '../../web/site.ts';
import type { EscalationLevel, OnCallAnswer, OnCallPerson, OnCallPlan } from '../model.ts';

/**
 * The "On call now" card: each escalation level's person, how to reach them, until when,
 * and who is next, computed at a stated time. The card carries its plan (the rotations
 * and known overrides, as JSON in an attribute: no inline script) so the portal's script
 * computes the answer again in the browser: a page served from a cache, a static export
 * or an offline copy never shows a stale person.
 */

export interface OnCallCard {
  plan: OnCallPlan;
  /** The server's answer; none in a static export, where only the browser knows the time. */
  answer?: OnCallAnswer;
  /** Where the live portal's script reads a fresh plan (none in a static export). */
  api?: string;
}

function person(site: Site, p: OnCallPerson): Html {
  return html`${entityLink(site, { ref: p.ref, title: p.name })}${p.email ? html` · <a href="mailto:${p.email}">${p.email}</a>` : ''}${p.chat ? html` · <a href="${p.chat.url}">${p.chat.title}</a>` : ''}`;
}

function level(site: Site, l: EscalationLevel): Html {
  return html`<li><span class="oncall-level">Level ${l.level} · ${entityLink(site, { ref: l.rotation.ref, title: l.rotation.title })}</span>
<span class="oncall-person">${l.person ? person(site, l.person) : html`<span class="muted">nobody on call now</span>`}${l.override ? html` <span class="badge badge-quiet">override</span>` : ''}</span>
${l.until ? html`<span class="oncall-until">until ${timestamp(l.until)}</span>` : ''}
${l.next ? html`<span class="oncall-next">next: ${entityLink(site, { ref: l.next.person.ref, title: l.next.person.name })} from ${timestamp(l.next.from)}</span>` : ''}</li>`;
}

export function onCallSection(site: Site, { plan, answer, api }: OnCallCard): Html {
  // People's and rotations' page links, for the script to draw the same links.
  const refs = [...Object.values(plan.people).map((p) => p.ref), ...plan.rotations.map((r) => r.ref)];
  const links = Object.fromEntries(refs.map((ref) => [ref, entityUrl(site, ref)]));
  return html`<section class="card oncall" aria-labelledby="oncall" data-oncall-plan="${JSON.stringify({ plan, links })}"${api ? html` data-oncall-api="${api}"` : ''}>
<h2 id="oncall">On call now</h2>
<ol class="plain oncall-levels" data-oncall-levels>${
    answer
      ? answer.levels.map((l) => level(site, l))
      : [...plan.rotations]
          .sort((a, b) => a.level - b.level)
          .map(
            (r) =>
              html`<li><span class="oncall-level">Level ${r.level} · ${entityLink(site, { ref: r.ref, title: r.title })}</span></li>`,
          )
  }</ol>
<p class="muted" data-oncall-computed>${
    answer
      ? html`Rotations of ${entityLink(site, { ref: answer.team })}, computed by Atrium at ${timestamp(answer.computedAt)}.`
      : html`Rotations of ${entityLink(site, { ref: plan.team })}: who is on call is computed by your browser when the page is open (it needs JavaScript).`
  }</p>
</section>`;
}

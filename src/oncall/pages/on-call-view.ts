import { entityLink, timestamp } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import { layout } from '../../web/layout.ts';
import { entityPath, entityUrl, type Site, siteUrl } from '../../web/site.ts';
import { keyOfRef } from '../../platform/entity-ref.ts';
import type { EscalationLevel, OnCallAnswer, OnCallPerson, OnCallPlan } from '../model.ts';
import type { OnCallNow } from '../on-call-now.ts';

/**
 * The "On call now" card: each escalation level's person, how to reach them, until when,
 * and who is next, computed (or read) at a stated time. An Atrium card carries its plan
 * (the rotations and known overrides, as JSON in an attribute: no inline script) so the
 * portal's script computes the answer again in the browser: a page served from a cache, a
 * static export or an offline copy never shows a stale person. A card read from PagerDuty
 * or Opsgenie says when it was read and, when the latest read failed, that it shows the
 * last known answer, with its age and why.
 */

export interface OnCallCard extends OnCallNow {
  /** Where the live portal's script reads a fresh plan (none in a static export). */
  api?: string;
}

const SOURCE_NAMES = { atrium: 'Atrium', pagerduty: 'PagerDuty', opsgenie: 'Opsgenie' } as const;

function name(site: Site, label: { ref?: string; name: string }): Html {
  return label.ref ? entityLink(site, { ref: label.ref, title: label.name }) : html`<span>${label.name}</span>`;
}

function person(site: Site, p: OnCallPerson): Html {
  return html`${name(site, p)}${p.email ? html` · <a href="mailto:${p.email}">${p.email}</a>` : ''}${p.chat ? html` · <a href="${p.chat.url}">${p.chat.title}</a>` : ''}`;
}

function rotation(site: Site, r: EscalationLevel['rotation']): Html {
  if (r.ref) return entityLink(site, { ref: r.ref, title: r.title });
  return r.url ? html`<a href="${r.url}">${r.title}</a>` : html`<span>${r.title}</span>`;
}

function level(site: Site, l: EscalationLevel): Html {
  return html`<li><span class="oncall-level">Level ${l.level} · ${rotation(site, l.rotation)}</span>
<span class="oncall-person">${l.person ? person(site, l.person) : html`<span class="muted">nobody on call now</span>`}${l.override ? html` <span class="badge badge-quiet">override</span>` : ''}</span>
${l.until ? html`<span class="oncall-until">until ${timestamp(l.until)}</span>` : ''}
${l.next ? html`<span class="oncall-next">next: ${name(site, l.next.person)} from ${timestamp(l.next.from)}</span>` : ''}</li>`;
}

/** Where an answer read from an API stands: its age, or that it is the last known one and why. */
function readNote(site: Site, answer: OnCallAnswer): Html {
  const source = SOURCE_NAMES[answer.source];
  const team = entityLink(site, { ref: answer.team });
  const { fetchedAt, failure } = answer.read ?? {};
  if (!failure)
    return html`<p class="muted" data-oncall-read="fresh">From ${source} (schedule named by ${team}), read ${fetchedAt ? timestamp(fetchedAt) : ''}.</p>`;
  const why = html`${failure.message} <span class="badge badge-warn">${failure.class}</span>`;
  return fetchedAt
    ? html`<p class="notice" data-oncall-read="fallback" role="status">Last known answer from ${source}, read ${timestamp(fetchedAt)}: the latest read failed at ${timestamp(failure.at)} — ${why}.</p>`
    : html`<p class="notice" data-oncall-read="failed" role="status">${source} could not be read at ${timestamp(failure.at)} and no earlier answer is known — ${why}.</p>`;
}

function unreadNote(site: Site, unread: NonNullable<OnCallNow['unread']>): Html {
  const { target, team } = unread;
  return html`<p class="muted" data-oncall-read="unread">${entityLink(site, { ref: team })} keeps its schedule in ${SOURCE_NAMES[target.source]} (${target.by} ${target.id}), which this copy of Atrium does not read${target.source === 'pagerduty' ? ' (paging.pagerduty in atrium.yaml)' : ' (paging.opsgenie in atrium.yaml)'}.</p>`;
}

function planLevels(site: Site, plan: OnCallPlan): Html[] {
  return [...plan.rotations]
    .sort((a, b) => a.level - b.level)
    .map(
      (r) =>
        html`<li><span class="oncall-level">Level ${r.level} · ${entityLink(site, { ref: r.ref, title: r.title })}</span></li>`,
    );
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The live card's overrides (a Remove button each) and the form that sets one: like the
 * Page form, the token comes in the form (never stored by the page), so there is no
 * session to forge, and nothing needs JavaScript. The times are read in the zone field,
 * the first rotation's zone unless changed.
 */
function overrideForms(site: Site, plan: OnCallPlan): Html {
  const rotations = [...plan.rotations].sort((a, b) => a.level - b.level);
  const active = rotations.flatMap((r) => r.overrides.map((o) => ({ rotation: r, override: o })));
  const zone = rotations[0]?.rotation.timeZone ?? 'UTC';
  const token = (id: string) =>
    html`<p class="form-row"><label for="${id}">Token with oncall:write</label> <input id="${id}" name="token" type="password" autocomplete="off" required maxlength="200"></p>`;
  const removal =
    active.length === 0
      ? ''
      : html`<form class="oncall-overrides" method="post" action="oncall-override/remove/"><fieldset><legend>Overrides</legend>
<ul class="plain">${active.map(
          ({ rotation: r, override: o }) =>
            html`<li>${name(site, plan.people[o.user] ?? { name: o.user })} on ${r.title} from ${timestamp(iso(o.from))} until ${timestamp(iso(o.until))} <button type="submit" name="override" value="${keyOfRef(r.ref)} ${o.id}" formnovalidate>Remove</button></li>`,
        )}</ul>
<p class="form-row"><label for="oncall-remove-reason">Why remove it (optional)</label> <input id="oncall-remove-reason" name="reason" maxlength="500"></p>
${token('oncall-remove-token')}
</fieldset></form>`;
  return html`${removal}<details class="oncall-override"><summary>Set an override</summary>
<form method="post" action="oncall-override/"><fieldset><legend>Put someone on call for a time</legend>
${
  rotations.length === 1
    ? html`<input type="hidden" name="rotation" value="${keyOfRef((rotations[0] as (typeof rotations)[number]).ref)}">`
    : html`<p class="form-row"><label for="oncall-rotation">Rotation</label> <select id="oncall-rotation" name="rotation">${rotations.map((r) => html`<option value="${keyOfRef(r.ref)}">Level ${r.level} · ${r.title}</option>`)}</select></p>`
}
<p class="form-row"><label for="oncall-user">Who (a catalog User)</label> <input id="oncall-user" name="user" required maxlength="255" placeholder="user:default/ana"></p>
<p class="form-row"><label for="oncall-from">From</label> <input id="oncall-from" name="from" type="datetime-local" required></p>
<p class="form-row"><label for="oncall-until">Until</label> <input id="oncall-until" name="until" type="datetime-local" required></p>
<p class="form-row"><label for="oncall-zone">In time zone</label> <input id="oncall-zone" name="zone" value="${zone}" required maxlength="64"></p>
<p class="form-row"><label for="oncall-reason">Why (optional)</label> <input id="oncall-reason" name="reason" maxlength="500"></p>
${token('oncall-token')}
<p><button type="submit">Set override</button></p>
</fieldset></form></details>`;
}

/** The answer to the override forms when nothing was written: what went wrong and what to do, with the way back. */
export function overrideRefusedView(site: Site, ref: string, message: string, hint: string): Html {
  const back = siteUrl(site, entityPath(ref));
  return layout({
    site,
    title: 'The override was not changed',
    section: 'catalog',
    crumbs: [{ label: 'Catalog', href: siteUrl(site, 'catalog/') }, { label: ref, href: back }, { label: 'Override' }],
    main: html`<h1>The override was not changed</h1><p class="lede">${message}</p><p>${hint}</p><p><a href="${back}#oncall">Back to ${ref}</a></p>`,
  });
}

export function onCallSection(site: Site, { plan, answer, api, setAside, unread }: OnCallCard): Html {
  const heading = html`<h2 id="oncall">On call now</h2>`;
  if (answer && answer.source !== 'atrium')
    return html`<section class="card oncall" aria-labelledby="oncall" data-oncall-source="${answer.source}">
${heading}
${
  answer.levels.length > 0
    ? html`<ol class="plain oncall-levels">${answer.levels.map((l) => level(site, l))}</ol>`
    : answer.read?.failure
      ? ''
      : html`<p>Nobody is on call on this schedule now.</p>`
}
${readNote(site, answer)}
${setAside ? html`<p class="muted">Atrium rotations of ${entityLink(site, { ref: setAside })} are set aside: ${SOURCE_NAMES[answer.source]} answers, as it is who gets paged.</p>` : ''}
</section>`;
  if (!plan)
    return html`<section class="card oncall" aria-labelledby="oncall">${heading}${unread ? unreadNote(site, unread) : ''}</section>`;
  // People's and rotations' page links, for the script to draw the same links.
  const refs = [
    ...Object.values(plan.people).flatMap((p) => (p.ref ? [p.ref] : [])),
    ...plan.rotations.map((r) => r.ref),
  ];
  const links = Object.fromEntries(refs.map((ref) => [ref, entityUrl(site, ref)]));
  return html`<section class="card oncall" aria-labelledby="oncall" data-oncall-source="atrium" data-oncall-plan="${JSON.stringify({ plan, links })}"${api ? html` data-oncall-api="${api}"` : ''}>
${heading}
<ol class="plain oncall-levels" data-oncall-levels>${answer ? answer.levels.map((l) => level(site, l)) : planLevels(site, plan)}</ol>
<p class="muted" data-oncall-computed>${
    answer
      ? html`Rotations of ${entityLink(site, { ref: answer.team })}, computed by Atrium at ${timestamp(answer.computedAt)}.`
      : html`Rotations of ${entityLink(site, { ref: plan.team })}: who is on call is computed by your browser when the page is open (it needs JavaScript).`
  }</p>
${unread ? unreadNote(site, unread) : ''}
${api ? overrideForms(site, plan) : ''}
</section>`;
}

import { section } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import { FLAG_TYPES, type FlagSpec } from '../flag-definition.ts';
import type { EnvironmentState, FlagSummary } from '../service.ts';
import { EXPECTED_LIFETIME_DAYS } from '../staleness.ts';
import { entityLink, refName, timestamp } from '../../web/components.ts';
import { entityPath, siteUrl, type Site } from '../../web/site.ts';
import { A_TOKEN } from '../../changes/model.ts';

interface StrategyLike {
  name?: unknown;
  parameters?: Record<string, unknown>;
  constraints?: unknown[];
  segments?: unknown[];
}

/** A strategy in a line: its name, rollout and how many constraints narrow it. */
function strategyText(strategy: unknown): string {
  const s = (typeof strategy === 'object' && strategy !== null ? strategy : {}) as StrategyLike;
  const name = typeof s.name === 'string' ? s.name : 'unknown';
  const rollout = s.parameters?.rollout ?? s.parameters?.percentage;
  const constraints = Array.isArray(s.constraints) ? s.constraints.length : 0;
  return `${name}${rollout !== undefined ? ` ${String(rollout)}%` : ''}${constraints ? ` with ${constraints} constraint${constraints === 1 ? '' : 's'}` : ''}`;
}

const list = (items: unknown[] | undefined, text: (item: unknown) => string): Html =>
  items?.length
    ? html`<ul class="plain">${items.map((i) => html`<li>${text(i)}</li>`)}</ul>`
    : html`<span class="muted">none</span>`;

/**
 * A Flag entity's declaration: its type, what each environment declares (on or off, and
 * its strategies), the flag's strategies, variants and parent flags. The state at run time
 * (changed through the API) is another issue's work; this shows what the file says.
 */
export function flagDefinitionSection(spec: FlagSpec, ref: string): Html {
  const [kind, rest] = [ref.slice(0, ref.indexOf(':')), ref.slice(ref.indexOf(':') + 1)];
  const environments = Object.entries(spec.environments ?? {});
  const variantText = (v: unknown) => {
    const variant = (typeof v === 'object' && v !== null ? v : {}) as {
      name?: unknown;
      weight?: unknown;
      stickiness?: unknown;
    };
    return `${String(variant.name ?? '?')}${variant.weight !== undefined ? ` (weight ${String(variant.weight)})` : ''}${variant.stickiness ? `, sticky on ${String(variant.stickiness)}` : ''}`;
  };
  const dependencyText = (d: unknown) => {
    const dep = (typeof d === 'object' && d !== null ? d : {}) as { feature?: unknown; enabled?: unknown };
    return `${String(dep.feature ?? '?')} must be ${dep.enabled === false ? 'off' : 'on'}`;
  };
  return section(
    'flag',
    'Flag',
    html`<dl class="facts">
<dt>Type</dt><dd>${(FLAG_TYPES as readonly string[]).includes(spec.type) ? spec.type : 'unknown'}</dd>
<dt>Environments</dt><dd>${
      environments.length
        ? html`<div class="table-scroll" tabindex="0" role="region" aria-label="Declared state by environment"><table><thead><tr><th scope="col">Environment</th><th scope="col">Declared</th><th scope="col">Strategies</th></tr></thead><tbody>${environments.map(
            ([name, env]) =>
              html`<tr><th scope="row">${name}</th><td>${env.enabled ? html`<span class="badge badge-ok">on</span>` : html`<span class="badge badge-quiet">off</span>`}</td><td>${env.strategies ? env.strategies.map(strategyText).join('; ') : "the flag's own"}</td></tr>`,
          )}</tbody></table></div>`
        : html`<span class="muted">None declared: the flag is off everywhere.</span>`
    }</dd>
<dt>Strategies</dt><dd>${list(spec.strategies ?? [{ name: 'default' }], strategyText)}</dd>
<dt>Variants</dt><dd>${list(spec.variants, variantText)}</dd>
<dt>Depends on</dt><dd>${list(spec.dependencies, dependencyText)}</dd>
${spec.releasePlan ? html`<dt>Release plan</dt><dd><ol>${spec.releasePlan.milestones.map((m) => html`<li>${m.name}: ${m.strategies.map(strategyText).join('; ') || 'no strategy'}${m.after ? `, then on after ${m.after}` : ''}</li>`)}</ol></dd>` : ''}
</dl><p class="small muted">Targeting details (constraint values, user ids, segments, variant payloads) are not shown here: read them with a token with <code>flags:read</code> or <code>flags:write</code>, <code>GET /api/v1/entities/${kind}/${rest}</code> with <code>Authorization: Bearer &lt;token&gt;</code>.</p>`,
  );
}

/**
 * What is in force now, per environment (the live portal only): on or off, whether that
 * is the file's declaration or a switch, and who switched it when. Switching is an API
 * call with a `flags:write` token (`PUT …/environments/{env}`, or `POST …/kill`).
 */
export function flagSwitchesSection(
  site: Site,
  ref: string,
  environments: readonly EnvironmentState[],
  hasPlan: boolean,
  chosen?: SwitchChoice,
): Html {
  const [namespace, name] = ref.slice(ref.indexOf(':') + 1).split('/') as [string, string];
  return html`<section class="card card-incident" aria-labelledby="switches"><h2 id="switches">In force now</h2>${
    environments.length
      ? html`<div class="table-scroll" tabindex="0" role="region" aria-label="Switches in force by environment"><table><thead><tr><th scope="col">Environment</th><th scope="col">State</th><th scope="col">Release plan</th><th scope="col">Set by</th><th scope="col">Evaluated, 7 days</th></tr></thead><tbody>${environments.map(
          (e) =>
            html`<tr><th scope="row">${e.environment}</th><td>${e.enabled ? html`<span class="badge badge-ok">on</span>` : html`<span class="badge badge-quiet">off</span>`}</td><td>${
              e.plan
                ? html`${e.plan.name} <span class="muted">(${e.plan.milestone + 1} of ${e.plan.of}${e.plan.paused ? ', paused' : ''}) since ${timestamp(e.plan.since)}</span>`
                : html`<span class="muted">—</span>`
            }${e.rollout !== undefined ? html`<br>rollout ${e.rollout}%` : ''}</td><td>${e.setBy ? html`${A_TOKEN} ${e.setAt ? timestamp(e.setAt) : ''}` : html`<span class="muted">the file</span>`}</td><td>${
              e.evaluations
                ? `${e.evaluations.yes.toLocaleString('en')} on, ${e.evaluations.no.toLocaleString('en')} off`
                : html`<span class="muted">none reported</span>`
            }</td></tr>`,
        )}</tbody></table></div>`
      : html`<p class="muted">Off everywhere: no environment is declared or switched.</p>`
  }${switchForm(`${siteUrl(site, entityPath(ref))}switch/`, environments, hasPlan, chosen)}<p class="small muted">The same through the API: <code>PUT /api/v1/flags/${namespace}/${name}/environments/{environment}</code>, and the kill switch <code>POST /api/v1/flags/${namespace}/${name}/kill</code>, with a <code>flags:write</code> token.</p></section>`;
}

/** What a flag's environments are set to, in words (never colour alone): "production on · staging off". */
export function flagStatesText(environments: readonly { environment: string; enabled: boolean }[]): string {
  return environments.length
    ? environments.map((e) => `${e.environment} ${e.enabled ? 'on' : 'off'}`).join(' · ')
    : 'off everywhere';
}

const SWITCH_ACTIONS: readonly [string, string][] = [
  ['on', 'Turn it on'],
  ['off', 'Turn it off'],
  ['rollout', 'Set the rollout to the percentage below'],
  ['rollout-default', "Set the rollout back to the strategies' own"],
];
const PLAN_ACTION_LABELS: readonly [string, string][] = [
  ['start', 'Start the release plan'],
  ['advance', 'Advance the release plan'],
  ['rollback', 'Roll the release plan back'],
  ['pause', 'Pause the release plan'],
  ['resume', 'Resume the release plan'],
];

/** The reason field both forms share: the API's rule (one line, at most 500 characters), stored with the switch. */
const reasonField = (id: string) =>
  html`<p class="form-row"><label for="${id}">Reason</label> <input id="${id}" name="reason" type="text" required maxlength="500" autocomplete="off"></p>`;
const tokenField = (id: string) =>
  html`<p class="form-row"><label for="${id}">Token with flags:write</label> <input id="${id}" name="token" type="password" autocomplete="off" required maxlength="200"></p>`;

/** The last change made from the form (environment, change, percentage): what it starts from next time. */
export interface SwitchChoice {
  environment?: string;
  action?: string;
  percent?: string;
}

/**
 * The switch choice a switch page's address carries, kept only where the form offers it
 * (a declared environment, a listed change, a percentage from 0 to 100); anything else is
 * left unchosen.
 */
export function switchChoiceOf(
  search: URLSearchParams,
  environments: readonly EnvironmentState[],
  hasPlan: boolean,
): SwitchChoice {
  const environment = search.get('environment') ?? '';
  const action = search.get('action') ?? '';
  const percent = search.get('percent') ?? '';
  return {
    environment: environments.some((e) => e.environment === environment) ? environment : undefined,
    action: actionsOf(hasPlan).some(([value]) => value === action) ? action : undefined,
    percent: /^\d{1,3}$/.test(percent) && Number(percent) <= 100 ? String(Number(percent)) : undefined,
  };
}

/** What the form's change offers, in words. */
export function switchActionLabel(action: string): string | undefined {
  return actionsOf(true).find(([value]) => value === action)?.[1];
}

const actionsOf = (hasPlan: boolean) => [...SWITCH_ACTIONS, ...(hasPlan ? PLAN_ACTION_LABELS : [])];

/**
 * The switch, on the page: pages have no sign-in, so the form asks for a `flags:write`
 * token (never stored by the page), a reason and a confirmation. Nothing is chosen for
 * the reader on the flag's page: no environment, no change (a default here would be one
 * careless submit from a change in production). After a change the switch page
 * (`…/switch/`) comes back with the last choice in its address and rendered chosen in the
 * form, with or without the script; the reason, the token and the confirmation are asked
 * anew. The kill switch (off in every environment) is a form of its own with its own
 * confirmation, never chosen.
 */
function switchForm(
  action: string,
  environments: readonly EnvironmentState[],
  hasPlan: boolean,
  chosen: SwitchChoice = {},
): Html {
  const selected = (yes: boolean) => (yes ? html` selected` : '');
  return html`<form class="switch-form" id="switch-form" method="post" action="${action}"><fieldset><legend>Change it in one environment</legend>
<p class="form-row"><label for="switch-environment">Environment</label> <select id="switch-environment" name="environment" required><option value=""${selected(chosen.environment === undefined)}>Choose an environment</option>${environments.map((e) => html`<option value="${e.environment}"${selected(e.environment === chosen.environment)}>${e.environment}</option>`)}</select></p>
<fieldset class="switch-actions"><legend>Change</legend>${actionsOf(hasPlan).map(([value, label]) => html`<p class="form-row"><input id="switch-action-${value}" name="action" type="radio" value="${value}" required${value === chosen.action ? html` checked` : ''}> <label for="switch-action-${value}">${label}</label></p>`)}</fieldset>
<p class="form-row"><label for="switch-percent">Rollout percentage</label> <input id="switch-percent" name="percent" type="number" min="0" max="100" step="1" inputmode="numeric"${chosen.percent !== undefined ? html` value="${chosen.percent}"` : ''}></p>
${reasonField('switch-reason')}${tokenField('switch-token')}
<p class="form-row"><input id="switch-confirm" name="confirm" type="checkbox" value="yes" required> <label for="switch-confirm">I know this changes what users get, at once</label></p>
<p><button type="submit">Change it</button></p>
</fieldset></form>
<form class="switch-form" id="kill-form" method="post" action="${action}"><fieldset><legend>Kill switch: turn it off in every environment</legend>
<input type="hidden" name="action" value="kill">
${reasonField('kill-reason')}${tokenField('kill-token')}
<p class="form-row"><input id="kill-every" name="every" type="checkbox" value="yes" required> <label for="kill-every">I mean every environment, production included</label></p>
<p><button type="submit">Turn it off everywhere</button></p>
</fieldset></form>`;
}

/** A team's flags (the live portal only): type, the switch per environment, stale ones first and marked. */
export function teamFlagsSection(site: Site, flags: readonly FlagSummary[]): Html {
  const stale = flags.filter((f) => f.staleness.stale).length;
  return section(
    'team-flags',
    'Feature flags',
    html`${stale ? html`<p><span class="badge badge-warn">${stale} stale</span> fully on or off for longer than their type's expected lifetime: remove the flag and the code path it guards.</p>` : ''}<div class="table-scroll" tabindex="0" role="region" aria-label="Feature flags"><table><thead><tr><th scope="col">Flag</th><th scope="col">Type</th><th scope="col">In force</th><th scope="col">Age</th></tr></thead><tbody>${flags.map(
      (f) =>
        html`<tr><th scope="row">${entityLink(site, { ref: f.ref, title: f.title })}<br><span class="muted small">${refName(f.service)}</span></th><td>${f.type}</td><td>${flagStatesText(f.environments)}</td><td>${
          f.staleness.stale ? html`<span class="badge badge-warn">stale</span> ` : ''
        }${f.staleness.ageDays} days ${f.staleness.settled === 'mixed' ? 'rolling out' : `fully ${f.staleness.settled}`}${EXPECTED_LIFETIME_DAYS[f.type] === null ? ' (never stale)' : ''}</td></tr>`,
    )}</tbody></table></div>`,
  );
}

/** A service's flags: in the live portal with what is in force per environment; in a static export, only which they are. */
export type ServiceFlags =
  | { live: true; flags: readonly FlagSummary[] }
  | { live: false; flags: readonly { ref: string; title: string }[] };

/** A service's page: its flags, each with its state per environment in words. */
export function serviceFlagsSection(site: Site, service: ServiceFlags): Html {
  return section(
    'flags',
    'Feature flags',
    html`<ul class="plain">${service.flags.map(
      (f) =>
        html`<li>${entityLink(site, { ref: f.ref, title: f.title })}${'environments' in f ? html` <span class="flag-states">${flagStatesText(f.environments)}</span>` : ''}</li>`,
    )}</ul>${service.live ? '' : html`<p class="small muted">What is in force is shown by the live portal; each flag's page shows what its file declares.</p>`}`,
  );
}

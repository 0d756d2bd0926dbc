import { html, type Html } from '../../web/html.ts';
import { layout } from '../../web/layout.ts';
import { entityPath, siteUrl, type Site } from '../../web/site.ts';
import type { EnvironmentState } from '../service.ts';
import { flagSwitchesSection, type SwitchChoice, switchActionLabel } from './flag-definition-view.ts';

/** The answer to a switch made from a flag's page when it could not be made: what went wrong and what to do, with the way back. */
export function switchRefusedView(site: Site, flagRef: string, message: string, hint: string): Html {
  const back = siteUrl(site, entityPath(flagRef));
  return layout({
    site,
    title: 'The switch was not made',
    section: 'catalog',
    crumbs: [
      { label: 'Catalog', href: siteUrl(site, 'catalog/') },
      { label: flagRef, href: back },
      { label: 'Switch' },
    ],
    main: html`<h1>The switch was not made</h1><p class="lede">${message}</p><p>${hint}</p><p><a href="${back}">Back to the flag</a></p>`,
  });
}

export interface SwitchPageData {
  ref: string;
  title: string;
  environments: readonly EnvironmentState[];
  hasPlan: boolean;
  chosen: SwitchChoice;
}

/**
 * Where a switch made from a flag's page lands: what is in force now and the switch form
 * with the last choice already chosen (server-rendered, so it holds without the script),
 * saying what was just changed. The kill switch stays unchosen, with its own confirmation.
 */
export function switchPageView(site: Site, data: SwitchPageData): Html {
  const back = siteUrl(site, entityPath(data.ref));
  const label = data.chosen.action === undefined ? undefined : switchActionLabel(data.chosen.action);
  const done =
    label && data.chosen.environment
      ? html`<p class="notice" role="status">Changed in <strong>${data.chosen.environment}</strong>: ${label}${data.chosen.action === 'rollout' && data.chosen.percent !== undefined ? ` (${data.chosen.percent}%)` : ''}. The form starts from this choice; a new change needs its own reason and confirmation.</p>`
      : '';
  return layout({
    site,
    title: `Switch ${data.title}`,
    section: 'catalog',
    crumbs: [
      { label: 'Catalog', href: siteUrl(site, 'catalog/') },
      { label: data.title, href: back },
      { label: 'Switch' },
    ],
    main: html`<h1>Switch ${data.title}</h1>${done}${flagSwitchesSection(site, data.ref, data.environments, data.hasPlan, data.chosen)}<p><a href="${back}">Back to the flag</a></p>`,
  });
}

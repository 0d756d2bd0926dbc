import { emptyNote, timestamp } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import { layout } from '../../web/layout.ts';
import { siteUrl, type Site } from '../../web/site.ts';
import type { RunnerView } from '../protocol.ts';

export const RUNNERS_PATH = 'runners/';

function row(runner: RunnerView): Html {
  return html`<tr>
<td>${runner.name}</td>
<td data-label="Location">${runner.location}</td>
<td data-label="Tags">${runner.tags.length === 0 ? html`<span class="muted">none</span>` : runner.tags.join(', ')}</td>
<td data-label="Version">${runner.version}</td>
<td data-label="Last seen">${timestamp(new Date(runner.lastSeenAt).toISOString())}</td>
<td data-label="Running">${String(runner.running)} of ${String(runner.capacity)}</td>
</tr>`;
}

/**
 * The Runners page: every runner that has asked for work, by location, with its version,
 * when it was last seen (a runner that stopped asking shows its age) and the runs it holds.
 */
export function runnersView(site: Site, runners: readonly RunnerView[]): Html {
  const table =
    runners.length === 0
      ? emptyNote('No runner has asked for work yet.')
      : html`<div class="table-scroll" tabindex="0" role="region" aria-label="Runners"><table class="runners">
<caption>Runners, by location</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Location</th><th scope="col">Tags</th><th scope="col">Version</th><th scope="col">Last seen</th><th scope="col">Running</th></tr></thead>
<tbody>${runners.map(row)}</tbody>
</table></div>`;
  return layout({
    site,
    title: 'Runners',
    description: 'The runner agents that run checks and jobs: where they run, their version and their work',
    crumbs: [{ label: 'Home', href: siteUrl(site, '') }, { label: 'Runners' }],
    main: html`<h1>Runners</h1>
<p class="lede">Runner agents lease checks and jobs from this server, run them where they are and report back. The server runs one itself at location <code>local</code>; <code>atrium runner</code> starts more elsewhere.</p>
${table}`,
  });
}

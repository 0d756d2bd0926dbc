import { emptyNote, section } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import type { TemplateOutline } from '../template-outline.ts';

/**
 * A Template as text: the fields its form asks for and the steps it would run. Atrium has
 * no scaffolder, so nothing here runs; every value (placeholders included) is escaped text.
 */
export function templateSection(outline: TemplateOutline): Html {
  const forms = outline.forms.filter((f) => f.fields.length > 0 || f.title);
  return section(
    'template',
    'Template',
    html`<p class="small muted">Backstage's scaffolder runs templates; Atrium shows what this one asks for and does, and never runs it.</p>
${outline.templater ? html`<dl class="facts"><dt>Templater</dt><dd>${outline.templater}</dd>${outline.path ? html`<dt>Skeleton</dt><dd><code>${outline.path}</code></dd>` : ''}</dl>` : ''}
<h3>Parameters</h3>
${forms.length ? forms.map((form, i) => formTable(form, i, forms.length)) : emptyNote('The template asks for nothing.')}
<h3>Steps</h3>
${
  outline.steps.length
    ? html`<ol>${outline.steps.map(
        (step) =>
          html`<li>${step.name ?? step.id ?? 'Unnamed step'} <code>${step.action}</code>${step.id && step.name ? html` <span class="muted small">id ${step.id}</span>` : ''}${step.conditional ? html` <span class="badge badge-quiet">conditional</span>` : ''}</li>`,
      )}</ol>`
    : emptyNote(outline.templater ? 'The templater fills in the skeleton; there are no steps.' : 'No steps.')
}`,
  );
}

function formTable(form: TemplateOutline['forms'][number], index: number, count: number): Html {
  const title = form.title ?? (count > 1 ? `Page ${index + 1}` : 'Form');
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="${title}"><table><caption>${title}</caption><thead><tr><th scope="col">Field</th><th scope="col">Key</th><th scope="col">Type</th><th scope="col">Required</th></tr></thead><tbody>${form.fields.map(
    (f) =>
      html`<tr><th scope="row">${f.title ?? f.key}</th><td><code>${f.key}</code></td><td>${f.type ?? html`<span class="muted">any</span>`}</td><td>${f.required ? 'required' : html`<span class="muted">optional</span>`}</td></tr>`,
  )}</tbody></table></div>`;
}

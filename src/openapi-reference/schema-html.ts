import { html, join, type Html } from '../web/html.ts';
import type { Constraint, Property, SchemaView } from './api-model.ts';
import { deprecatedBadge, requiredBadge, sunsetNote } from './badges.ts';
import type { IdAllocator } from './id-allocator.ts';

/** What every part of one API reference render shares. */
export interface RenderContext {
  renderMarkdown(text: string): Html;
  /** Component schema name → id of its entry in the schemas section, for links. */
  schemaIds: ReadonlyMap<string, string>;
  ids: IdAllocator;
  /** Operations (not webhooks, which the API sends) show a curl command to this server (the document's first, if any). */
  curl?: { serverUrl?: string };
}

const CONSTRAINT_LABELS: Record<Constraint['keyword'], string> = {
  minLength: 'Minimum length',
  maxLength: 'Maximum length',
  pattern: 'Pattern',
  minimum: 'Minimum',
  maximum: 'Maximum',
  exclusiveMinimum: 'Greater than',
  exclusiveMaximum: 'Less than',
  multipleOf: 'Multiple of',
  minItems: 'Minimum items',
  maxItems: 'Maximum items',
  uniqueItems: 'Unique items',
  minProperties: 'Minimum properties',
  maxProperties: 'Maximum properties',
};

/** A schema on its own (a body, a component): a type line, then its details and nested properties. */
export function renderSchema(view: SchemaView, ctx: RenderContext): Html {
  const head = html`${typeSummary(view, ctx)}${flags(view)}`;
  return html`<div class="schema${view.deprecated ? ' deprecated' : ''}">${head.value ? html`<p class="schema-head">${head}</p>` : ''}${schemaBody(view, ctx)}</div>`;
}

/** Description, facts and nested properties: what follows a schema's type line (also used in table cells). */
export function schemaBody(view: SchemaView, ctx: RenderContext): Html {
  if (shownElsewhere(view, ctx)) return useDescription(view, ctx);
  return html`${details(view, ctx)}${children(view, ctx)}`;
}

/**
 * A component schema is shown once, in the schemas section; everywhere it is used (an
 * operation's body, a property, another component) its type line links there. Repeating
 * it in every operation made a 2,000-operation reference megabytes long.
 */
function shownElsewhere(view: SchemaView, ctx: RenderContext): boolean {
  return view.name !== undefined && !view.ref && !view.truncated && ctx.schemaIds.has(view.name);
}

function useDescription(view: SchemaView, ctx: RenderContext): Html {
  return view.useDescription
    ? html`<div class="schema-description">${ctx.renderMarkdown(view.useDescription)}</div>`
    : html``;
}

/** The type line: `string (date-time)`, `array of Address`, a link to a named schema, or why it is not shown. */
export function typeSummary(view: SchemaView, ctx: RenderContext): Html {
  if (view.ref?.reason === 'circular') {
    const target =
      view.name === undefined ? html`<code class="schema-ref">${view.ref.target}</code>` : schemaName(view.name, ctx);
    return html`${target} <span class="schema-note">(circular reference)</span>`;
  }
  if (view.ref) {
    const why = view.ref.reason === 'remote' ? 'external reference, not shown' : 'reference not found';
    return html`<code class="schema-ref">${view.ref.target}</code> <span class="schema-note">(${why})</span>`;
  }
  if (view.truncated) {
    if (view.name !== undefined)
      return html`${schemaName(view.name, ctx)} <span class="schema-note">(not expanded here)</span>`;
    return html`<span class="schema-note">not shown: the schema is too large or too deep</span>`;
  }
  const arrayOf = view.types.length === 1 && view.types[0] === 'array' && view.items;
  const name = view.name !== undefined && !arrayOf ? html`${schemaName(view.name, ctx)} ` : '';
  const title = view.title && view.name === undefined ? html` <span class="schema-title">${view.title}</span>` : '';
  const format = view.format ? html` <span class="schema-format">(${view.format})</span>` : '';
  if (arrayOf) return html`<span class="schema-type">array of</span> ${typeSummary(arrayOf, ctx)}${title}`;
  const composed = view.allOf.length + view.oneOf.length + view.anyOf.length > 0 || view.not !== undefined;
  const type =
    view.types.length > 0
      ? view.types.join(' or ')
      : composed || view.enum.length > 0 || view.const !== undefined
        ? ''
        : 'any';
  return html`${name}${type ? html`<span class="schema-type">${type}</span>` : ''}${format}${title}`;
}

/** Marks after a type line: nullable, read-only, write-only, deprecated, sunset. */
export function flags(view: SchemaView): Html {
  return html`${view.nullable ? html` <span class="schema-flag">nullable</span>` : ''}${view.readOnly ? html` <span class="schema-flag">read-only</span>` : ''}${
    view.writeOnly ? html` <span class="schema-flag">write-only</span>` : ''
  }${view.deprecated ? html` ${deprecatedBadge()}` : ''}${view.sunset ? html` ${sunsetNote(view.sunset)}` : ''}`;
}

function schemaName(name: string, ctx: RenderContext): Html {
  const id = ctx.schemaIds.get(name);
  return id ? html`<a class="schema-name" href="#${id}">${name}</a>` : html`<span class="schema-name">${name}</span>`;
}

function details(view: SchemaView, ctx: RenderContext): Html {
  const facts: Html[] = [];
  const fact = (term: string, value: Html | string): void => {
    facts.push(html`<dt>${term}</dt><dd>${value}</dd>`);
  };
  const codes = (values: readonly string[]): Html =>
    join(
      values.map((v) => html`<code>${v}</code>`),
      ', ',
    );
  if (view.enum.length > 0)
    fact('Allowed values', html`${codes(view.enum)}${view.enumOmitted > 0 ? ` and ${view.enumOmitted} more` : ''}`);
  if (view.const !== undefined) fact('Value', html`<code>${view.const}</code>`);
  if (view.default !== undefined) fact('Default', html`<code>${view.default}</code>`);
  for (const c of view.constraints) {
    fact(
      CONSTRAINT_LABELS[c.keyword],
      c.keyword === 'pattern' ? html`<code>${c.value}</code>` : c.keyword === 'uniqueItems' ? 'yes' : c.value,
    );
  }
  if (view.additionalProperties === false) fact('Other properties', 'not allowed');
  // With alternatives to tell apart, the discriminator is named where they are listed.
  if (view.discriminator !== undefined && view.oneOf.length + view.anyOf.length === 0)
    fact('Discriminator', html`<code>${view.discriminator}</code>`);
  if (view.combines.length > 0)
    fact(
      'Combines',
      join(
        view.combines.map((n) => schemaName(n, ctx)),
        ', ',
      ),
    );
  if (view.examples.length > 0) fact(view.examples.length > 1 ? 'Examples' : 'Example', codes(view.examples));
  return html`${view.description ? html`<div class="schema-description">${ctx.renderMarkdown(view.description)}</div>` : ''}${
    facts.length > 0 ? html`<dl class="schema-facts">${facts}</dl>` : ''
  }`;
}

function children(view: SchemaView, ctx: RenderContext): Html {
  const parts: Html[] = [];
  const additional = view.additionalProperties === false ? undefined : view.additionalProperties;
  if (view.properties.length > 0 || view.propertiesOmitted > 0 || additional) {
    parts.push(
      html`<ul class="schema-properties">${view.properties.map((p) => property(p, ctx))}${additional ? additionalProperties(additional, ctx) : ''}${
        view.propertiesOmitted > 0
          ? html`<li class="schema-omitted">${view.propertiesOmitted} more ${view.propertiesOmitted === 1 ? 'property' : 'properties'} not shown</li>`
          : ''
      }</ul>`,
    );
  }
  if (view.items && !shownElsewhere(view.items, ctx)) {
    // The type line already says "array of X"; what X holds follows here (unless X links to where it is shown).
    const itemDetails = details(view.items, ctx);
    const itemChildren = children(view.items, ctx);
    if (itemDetails.value || itemChildren.value) {
      parts.push(
        html`<div class="schema-items">${itemDetails.value ? html`<p class="schema-items-label">Each item</p>${itemDetails}` : ''}${itemChildren}</div>`,
      );
    }
  }
  const compositions: [string, SchemaView[]][] = [
    ['All of', view.allOf],
    ['One of', view.oneOf],
    ['Any of', view.anyOf],
  ];
  for (const [label, members] of compositions)
    if (members.length > 0) parts.push(composition(label, members, view.discriminator, ctx));
  if (view.not) parts.push(composition('Must not match', [view.not], undefined, ctx));
  return html`${parts}`;
}

function property(p: Property, ctx: RenderContext): Html {
  const s = p.schema;
  return html`<li class="schema-property${s.deprecated ? ' deprecated' : ''}"><div class="property-head"><code class="property-name">${p.name}</code> ${typeSummary(s, ctx)}${
    p.required ? html` ${requiredBadge()}` : ''
  }${flags(s)}</div>${schemaBody(s, ctx)}</li>`;
}

function additionalProperties(s: SchemaView, ctx: RenderContext): Html {
  return html`<li class="schema-property schema-additional"><div class="property-head"><span class="property-name">Other properties</span> ${typeSummary(s, ctx)}${flags(s)}</div>${schemaBody(s, ctx)}</li>`;
}

function composition(
  label: string,
  members: readonly SchemaView[],
  discriminator: string | undefined,
  ctx: RenderContext,
): Html {
  const by =
    discriminator !== undefined && label !== 'All of' ? html`, told apart by <code>${discriminator}</code>` : '';
  return html`<div class="schema-composition"><p class="composition-label">${label}${by}</p><ol class="schema-alternatives">${members.map(
    (m) =>
      html`<li class="schema-alternative${m.deprecated ? ' deprecated' : ''}"><div class="property-head">${typeSummary(m, ctx)}${flags(m)}</div>${schemaBody(m, ctx)}</li>`,
  )}</ol></div>`;
}

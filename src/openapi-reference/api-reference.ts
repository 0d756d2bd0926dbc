import { html, type Html } from '../web/html.ts';
import type { ApiReference, Operation } from './api-model.ts';
import { deprecatedBadge, methodBadge } from './badges.ts';
import { IdAllocator } from './id-allocator.ts';
import { renderOperation } from './operation-html.ts';
import { flags, renderSchema, type RenderContext } from './schema-html.ts';

export interface ApiReferenceOptions {
  /** Renders a description (Markdown in OpenAPI) to safe Html; the caller knows where links may go. */
  renderMarkdown(text: string): Html;
}

interface Section {
  id: string;
  title: string;
  description?: string;
  operations: { operation: Operation; anchor: string }[];
  webhooks?: boolean;
}

/**
 * An API reference for a page that has already opened an `<h2>`: notices, info and servers,
 * a table of contents, operation groups (h3) with their operations (h4), webhooks, and the
 * component schemas. Every string from the document goes through `html` escaping or the
 * caller's Markdown renderer, and every id is unique within the output.
 */
export function renderApiReference(doc: ApiReference, options: ApiReferenceOptions): Html {
  const ids = new IdAllocator();
  // Sections, anchors and schema ids first: the contents and the links inside schemas need them.
  const sections: Section[] = doc.groups.map((group) => ({
    id: group.tag === undefined ? ids.allocate('api-', 'operations') : ids.allocate('tag-', group.tag, 'group'),
    title: group.tag ?? (doc.groups.length === 1 ? 'Operations' : 'Other operations'),
    description: group.description,
    operations: group.operations.map((operation) => ({ operation, anchor: operationAnchor(operation, ids) })),
  }));
  if (doc.webhooks.length > 0) {
    sections.push({
      id: ids.allocate('api-', 'webhooks'),
      title: 'Webhooks',
      description: 'Requests this API sends to endpoints you register.',
      webhooks: true,
      operations: doc.webhooks.map((operation) => ({ operation, anchor: operationAnchor(operation, ids) })),
    });
  }
  const schemasId = doc.schemas.length > 0 ? ids.allocate('api-', 'schemas') : '';
  const schemaIds = new Map<string, string>();
  for (const { name } of doc.schemas)
    if (!schemaIds.has(name)) schemaIds.set(name, ids.allocate('schema-', name, 'schema'));
  const ctx: RenderContext = { renderMarkdown: options.renderMarkdown, schemaIds, ids };

  return html`<div class="api-ref">
${doc.notices.length > 0 ? html`<div class="api-notices">${doc.notices.map((n) => html`<p class="notice">${n}</p>`)}</div>` : ''}
${info(doc, ctx)}
${servers(doc, ctx)}
${contents(sections, schemasId)}
${sections.map((s) => section(s, s.webhooks ? ctx : { ...ctx, curl: { serverUrl: doc.servers[0]?.url } }))}
${schemasId ? schemas(doc, schemasId, ctx) : ''}
</div>`;
}

function operationAnchor(operation: Operation, ids: IdAllocator): string {
  return ids.allocate('op-', operation.operationId ?? `${operation.method} ${operation.path}`, operation.method);
}

function info(doc: ApiReference, ctx: RenderContext): Html {
  const spec = doc.format === 'swagger' ? `Swagger ${doc.specVersion}` : `OpenAPI ${doc.specVersion}`;
  return html`<div class="api-info">
<p class="api-meta">${doc.info.title ? html`<span class="api-title">${doc.info.title}</span> · ` : ''}${doc.info.version ? html`version <code>${doc.info.version}</code> · ` : ''}${spec}</p>
${doc.info.description ? html`<div class="api-description">${ctx.renderMarkdown(doc.info.description)}</div>` : ''}
</div>`;
}

function servers(doc: ApiReference, ctx: RenderContext): Html | '' {
  if (doc.servers.length === 0) return '';
  const id = ctx.ids.allocate('api-', 'servers');
  return html`<h3 id="${id}">Servers</h3>
<ul class="api-servers">${doc.servers.map(
    (s) =>
      html`<li><code class="server-url">${s.url}</code>${s.description ? html`<div class="server-description">${ctx.renderMarkdown(s.description)}</div>` : ''}</li>`,
  )}</ul>`;
}

function contents(sections: readonly Section[], schemasId: string): Html | '' {
  if (sections.length === 0 && !schemasId) return '';
  return html`<nav class="api-toc" aria-label="API operations">
<ul>${sections.map(
    (s) => html`<li><a href="#${s.id}">${s.title}</a>
<ul>${s.operations.map(
      ({ operation: o, anchor }) =>
        html`<li${o.deprecated ? html` class="deprecated"` : ''}><a href="#${anchor}">${methodBadge(o.method)} <code>${o.path}</code></a>${o.summary ? html` <span class="toc-summary">${o.summary}</span>` : ''}${
          o.deprecated ? html` ${deprecatedBadge()}` : ''
        }</li>`,
    )}</ul></li>`,
  )}${schemasId ? html`<li><a href="#${schemasId}">Schemas</a></li>` : ''}</ul>
</nav>`;
}

/**
 * A tag's operations, collapsed: the index above links into them, and following a link
 * (`#op-…`) opens the group (browsers that auto-expand `<details>` for fragments do it
 * themselves; the portal's script does it elsewhere), so a long reference is a short page.
 */
function section(s: Section, ctx: RenderContext): Html {
  return html`<details class="api-group">
<summary><h3 id="${s.id}">${s.title} <span class="n">${s.operations.length}</span></h3></summary>
${s.description ? html`<div class="api-group-description">${ctx.renderMarkdown(s.description)}</div>` : ''}
${s.operations.map(({ operation, anchor }) => renderOperation(operation, anchor, ctx))}
</details>`;
}

function schemas(doc: ApiReference, id: string, ctx: RenderContext): Html {
  const rendered = new Set<string>();
  return html`<section class="api-schemas">
<h3 id="${id}">Schemas</h3>
${doc.schemas.map(({ name, schema }) => {
  // Names are unique in a document's schema map; the guard keeps ids unique even if they were not.
  const schemaId = rendered.has(name) ? ctx.ids.allocate('schema-', name, 'schema') : ctx.schemaIds.get(name);
  rendered.add(name);
  // Deprecation and sunset go in the heading, so the schema below leaves them out; its other flags stay on its type line.
  return html`<section class="api-schema${schema.deprecated ? ' deprecated' : ''}" id="${schemaId}">
<h4><code>${name}</code>${flags({ ...schema, nullable: false, readOnly: false, writeOnly: false })}</h4>
${renderSchema({ ...schema, deprecated: false, sunset: undefined }, ctx)}
</section>`;
})}
</section>`;
}

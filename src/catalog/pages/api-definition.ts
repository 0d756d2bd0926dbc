import { renderApiReference } from '../../openapi-reference/api-reference.ts';
import { parseOpenApi } from '../../openapi-reference/openapi.ts';
import { html, type Html } from '../../web/html.ts';
import { highlight } from '../../web/highlight.ts';
import { renderMarkdown } from '../../web/markdown.ts';

const SOURCE_LANGUAGE: Record<string, string> = {
  openapi: 'yaml',
  asyncapi: 'yaml',
  graphql: 'graphql',
  grpc: 'protobuf',
  trpc: 'typescript',
};

/** Markdown inside an API document: its relative links have nowhere to go, and its headings must not enter the page's outline. */
const descriptionMarkdown = (text: string): Html =>
  renderMarkdown(text, { resolveLink: () => undefined, embedded: true }).html;

/**
 * An API's definition: an OpenAPI document as a reference (operations, schemas,
 * deprecations and sunsets); anything else, or an OpenAPI document that does not parse,
 * as highlighted source.
 */
export function apiDefinitionSection(type: string, definition: string): Html {
  // Parsing YAML costs about 1.3 s per MiB: when many APIs share a document (versions, or one
  // document per provider) or a page is rendered again after a sync, render it once.
  const key = `${type}\u0000${definition}`;
  const known = rendered.get(key);
  if (known) return known;
  const section = renderDefinition(type, definition);
  rendered.set(key, section);
  if (rendered.size > RENDERED_KEPT) rendered.delete(rendered.keys().next().value as string);
  return section;
}

const RENDERED_KEPT = 32;
const rendered = new Map<string, Html>();

function renderDefinition(type: string, definition: string): Html {
  const kind = type.toLowerCase();
  if (kind === 'openapi') {
    const parsed = parseOpenApi(definition);
    if (parsed.ok) {
      return html`<section class="card card-wide api-reference" aria-labelledby="definition"><h2 id="definition">API reference</h2>
${renderApiReference(parsed.doc, { renderMarkdown: descriptionMarkdown })}
<details class="source"><summary>Source</summary><pre class="code"><code>${highlight(definition, 'yaml')}</code></pre></details>
</section>`;
    }
    return sourceSection(
      definition,
      'yaml',
      html`<p class="notice">The OpenAPI document could not be read: ${parsed.error}. Its source is shown instead.</p>`,
    );
  }
  return sourceSection(definition, SOURCE_LANGUAGE[kind] ?? kind);
}

function sourceSection(definition: string, language: string, note: Html | '' = ''): Html {
  return html`<section class="card card-wide" aria-labelledby="definition"><h2 id="definition">Definition</h2>${note}
${definition ? html`<pre class="code" tabindex="0" aria-label="API definition source"><code>${highlight(definition, language)}</code></pre>` : html`<p class="empty">No definition.</p>`}
</section>`;
}

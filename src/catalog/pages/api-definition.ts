import { renderApiReference } from '../../openapi-reference/api-reference.ts';
import { parseOpenApi } from '../../openapi-reference/openapi.ts';
import { html, type Html } from '../../web/html.ts';
import { highlight } from '../../web/highlight.ts';
import { renderMarkdown } from '../../web/markdown.ts';
import { isSafeLinkUrl, isUrlLike } from '../model.ts';

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

/**
 * Where a definition lives when it is only a URL: `definition: https://…`, or the note a
 * `$text`/`$json`/`$yaml` (or `$openapi`…) placeholder left when it named a URL (Atrium
 * never fetches URLs, and a URL no mapping names stays as written).
 */
export function definitionUrl(definition: string): string | undefined {
  const match = /^(?:\$[a-z]+:\s*)?(\S+)$/i.exec(definition.trim());
  return match?.[1] && isUrlLike(match[1]) ? match[1] : undefined;
}

function urlSection(url: string): Html {
  const where = isSafeLinkUrl(url)
    ? html`<a href="${url}" rel="noopener noreferrer">${url}</a>`
    : html`<code>${url}</code>`;
  return html`<section class="card card-wide" aria-labelledby="definition"><h2 id="definition">Definition</h2>
<p class="notice">This API's definition lives at ${where}. Atrium did not read it: it never fetches URLs, so what the API offers is not shown here.</p>
<p class="hint">If that file is in a repository you have checked out, map the URL's prefix to the folder with <code>catalog.urlMappings</code> in atrium.yaml, or write the definition as a relative path (<code>$text: ./openapi.yaml</code>) in the descriptor.</p>
</section>`;
}

function renderDefinition(type: string, definition: string): Html {
  const url = definitionUrl(definition);
  if (url) return urlSection(url);
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

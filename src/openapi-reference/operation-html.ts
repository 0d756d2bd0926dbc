import { html, type Html } from '../web/html.ts';
import { highlight } from '../web/highlight.ts';
import type { ApiResponse, Example, MediaType, Operation, Parameter, ResponseHeader } from './api-model.ts';
import { deprecatedBadge, methodBadge, requiredBadge, sunsetNote } from './badges.ts';
import { curlCommand } from './curl-command.ts';
import { flags, renderSchema, schemaBody, typeSummary, type RenderContext } from './schema-html.ts';

const REASONS: Record<string, string> = {
  '200': 'OK',
  '201': 'Created',
  '202': 'Accepted',
  '204': 'No Content',
  '301': 'Moved Permanently',
  '302': 'Found',
  '303': 'See Other',
  '304': 'Not Modified',
  '307': 'Temporary Redirect',
  '308': 'Permanent Redirect',
  '400': 'Bad Request',
  '401': 'Unauthorized',
  '403': 'Forbidden',
  '404': 'Not Found',
  '405': 'Method Not Allowed',
  '406': 'Not Acceptable',
  '409': 'Conflict',
  '410': 'Gone',
  '412': 'Precondition Failed',
  '413': 'Content Too Large',
  '415': 'Unsupported Media Type',
  '422': 'Unprocessable Content',
  '428': 'Precondition Required',
  '429': 'Too Many Requests',
  '500': 'Internal Server Error',
  '501': 'Not Implemented',
  '502': 'Bad Gateway',
  '503': 'Service Unavailable',
  '504': 'Gateway Timeout',
};

/**
 * One operation as a `<section id=anchor>` under an h4 (the page puts the reference under an
 * h2 and operation groups under h3); its parts are h5, each response h6.
 */
export function renderOperation(op: Operation, anchor: string, ctx: RenderContext): Html {
  const deprecated = op.deprecated ? html` ${deprecatedBadge()}` : '';
  return html`<section class="api-operation${op.deprecated ? ' deprecated' : ''}" id="${anchor}">
<h4 class="operation-title"><a class="heading-anchor" href="#${anchor}">${methodBadge(op.method)} <code class="operation-path">${op.path}</code></a>${deprecated}</h4>
${op.sunset ? html`<p class="operation-sunset">${sunsetNote(op.sunset)}</p>` : ''}
${op.summary ? html`<p class="operation-summary">${op.summary}</p>` : ''}
${op.operationId ? html`<p class="operation-id">Operation ID <code>${op.operationId}</code></p>` : ''}
${op.description ? html`<div class="operation-description">${ctx.renderMarkdown(op.description)}</div>` : ''}
${parameters(op.parameters, anchor, ctx)}
${op.requestBody ? requestBody(op.requestBody, ctx) : ''}
${responses(op.responses, ctx)}
${ctx.curl ? html`<div class="api-curl"><p class="example-title">As curl</p><pre class="code" tabindex="0" data-copy aria-label="${op.method.toUpperCase()} ${op.path} as curl"><code>${curlCommand(op, ctx.curl.serverUrl)}</code></pre></div>` : ''}
</section>`;
}

function parameters(list: readonly Parameter[], anchor: string, ctx: RenderContext): Html | '' {
  if (list.length === 0) return '';
  const id = ctx.ids.allocate(`${anchor}-`, 'parameters');
  return html`<h5 id="${id}">Parameters</h5>
<table class="api-parameters" aria-labelledby="${id}">
<thead><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead>
<tbody>${list.map((p) => parameterRow(p, ctx))}</tbody>
</table>`;
}

function parameterRow(p: Parameter, ctx: RenderContext): Html {
  return html`<tr${p.deprecated ? html` class="deprecated"` : ''}><th scope="row"><code class="parameter-name">${p.name}</code>${p.required ? html` ${requiredBadge()}` : ''}${
    p.deprecated ? html` ${deprecatedBadge()}` : ''
  }${p.sunset ? html` ${sunsetNote(p.sunset)}` : ''}</th><td>${p.in}</td><td>${p.schema ? html`${typeSummary(p.schema, ctx)}${flags(p.schema)}${schemaBody(p.schema, ctx)}` : ''}</td><td>${
    p.description ? ctx.renderMarkdown(p.description) : ''
  }${examples(p.examples, ctx)}</td></tr>`;
}

function requestBody(body: NonNullable<Operation['requestBody']>, ctx: RenderContext): Html {
  return html`<h5>Request body${body.required ? html` ${requiredBadge()}` : ''}</h5>
${body.description ? html`<div class="request-description">${ctx.renderMarkdown(body.description)}</div>` : ''}
${body.content.map((m) => mediaType(m, ctx))}`;
}

function responses(list: readonly ApiResponse[], ctx: RenderContext): Html | '' {
  if (list.length === 0) return '';
  return html`<h5>Responses</h5>
${list.map((r) => {
  const reason = REASONS[r.status];
  const tone = /^[1-5]/.test(r.status) ? `${r.status[0]}xx` : 'default';
  return html`<div class="api-response">
<h6><span class="status status-${tone}">${r.status}</span>${reason ? ` ${reason}` : ''}</h6>
${r.description ? html`<div class="response-description">${ctx.renderMarkdown(r.description)}</div>` : ''}
${headers(r.headers, ctx)}
${r.content.map((m) => mediaType(m, ctx))}
</div>`;
})}`;
}

function headers(list: readonly ResponseHeader[], ctx: RenderContext): Html | '' {
  if (list.length === 0) return '';
  return html`<table class="api-headers">
<caption>Response headers</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead>
<tbody>${list.map(
    (h) =>
      html`<tr${h.deprecated ? html` class="deprecated"` : ''}><th scope="row"><code>${h.name}</code>${h.required ? html` ${requiredBadge()}` : ''}${h.deprecated ? html` ${deprecatedBadge()}` : ''}${
        h.sunset ? html` ${sunsetNote(h.sunset)}` : ''
      }</th><td>${h.schema ? html`${typeSummary(h.schema, ctx)}${flags(h.schema)}${schemaBody(h.schema, ctx)}` : ''}</td><td>${h.description ? ctx.renderMarkdown(h.description) : ''}</td></tr>`,
  )}</tbody>
</table>`;
}

function mediaType(m: MediaType, ctx: RenderContext): Html {
  return html`<div class="media-type">
<p class="media-type-name">Content type <code>${m.type}</code></p>
${m.schema ? renderSchema(m.schema, ctx) : ''}
${examples(m.examples, ctx)}
</div>`;
}

function examples(list: readonly Example[], ctx: RenderContext): Html | '' {
  if (list.length === 0) return '';
  return html`${list.map((e) => {
    const label = e.summary ?? e.name;
    return html`<div class="example">
<p class="example-title">${label ? `Example: ${label}` : 'Example'}</p>
${e.description ? ctx.renderMarkdown(e.description) : ''}
${e.value !== undefined ? html`<pre class="code" tabindex="0"><code>${highlight(e.value, e.language)}</code></pre>` : ''}
${e.externalValue ? html`<p class="example-external">Kept outside the document at <code>${e.externalValue}</code></p>` : ''}
${e.truncated ? html`<p class="example-truncated">Cut short: the example is too large to show in full.</p>` : ''}
</div>`;
  })}`;
}

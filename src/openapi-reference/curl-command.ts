import type { Operation, Parameter } from './api-model.ts';

/**
 * An operation as a curl command to paste into a shell: the server URL, the method, the
 * path and query with example values (percent-encoded), the header parameters and the
 * example body. Every argument is one single-quoted word (a `'` inside becomes `'\''`),
 * so nothing in the document — quotes, `$(…)`, backticks, newlines — is read by the shell
 * as anything but text. Pure.
 */
export function curlCommand(op: Operation, serverUrl: string | undefined): string {
  const server = (serverUrl ?? 'https://api.example.com').replace(/\/+$/, '');
  const path = op.path.replace(/\{([^}]*)\}/g, (_whole, name: string) => {
    const parameter = op.parameters.find((p) => p.in === 'path' && p.name === name);
    return encodeURIComponent(parameter ? exampleOf(parameter) : name);
  });
  const query = op.parameters
    .filter((p) => p.in === 'query' && p.required)
    .map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(exampleOf(p))}`)
    .join('&');
  const words = ['curl', '-X', op.method.toUpperCase(), quote(`${server}${path}${query ? `?${query}` : ''}`)];
  for (const header of op.parameters.filter((p) => p.in === 'header' && p.required))
    words.push('-H', quote(oneLine(`${header.name}: ${exampleOf(header)}`)));
  const body =
    op.requestBody?.content.find((m) => m.examples.some((e) => e.value !== undefined)) ?? op.requestBody?.content[0];
  if (body) {
    words.push('-H', quote(oneLine(`Content-Type: ${body.type}`)));
    const example = body.examples.find((e) => e.value !== undefined && !e.truncated)?.value;
    words.push('--data', quote(example ?? (body.type.includes('json') ? '{}' : '')));
  }
  return words.join(' ');
}

/** One shell word that the shell reads as exactly `text`. */
export function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A header is one line: a line break in a document's value would start another header. */
const oneLine = (text: string) => text.replace(/[\r\n]+/g, ' ');

/** A parameter's example value: its own example, its schema's example or default, else its name as a placeholder. */
function exampleOf(p: Parameter): string {
  const own = p.examples.find((e) => e.value !== undefined && !e.truncated)?.value;
  if (own !== undefined) return own;
  const fromSchema = p.schema?.examples[0] ?? p.schema?.default;
  return fromSchema === undefined ? `{${p.name}}` : unquoted(fromSchema);
}

/** Schema examples are compact JSON: a JSON string goes into a URL or header as its text. */
function unquoted(json: string): string {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'string' ? value : json;
  } catch {
    return json;
  }
}

/** A YAML front matter block at the very top (`---` lines around it), as MkDocs and post-mortem files write it. */
const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---(?:\r?\n|$)/;

/**
 * A Markdown file's front matter (the YAML between the first two `---` lines, when the
 * file starts with one) and the Markdown after it. Docs pages show the Markdown only, as
 * MkDocs does: the front matter is data, not prose.
 */
export function splitFrontMatter(text: string): { front?: string; body: string } {
  const match = FRONT_MATTER.exec(text);
  return match ? { front: match[1] ?? '', body: text.slice(match[0].length) } : { body: text };
}

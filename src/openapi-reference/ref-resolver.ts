import { isRecord, own } from './records.ts';

export type RefResult =
  | { ok: true; value: unknown; pointer: string; name?: string }
  | { ok: false; reason: 'remote' | 'missing' };

/**
 * Follows local `$ref`s (`#/components/...`, `#/definitions/...`) into the parsed document.
 * Only fragment references into this document are followed: anything else (another file, a URL)
 * is reported as remote, never fetched. Results are cached, since the same few schemas are
 * referenced from every operation.
 */
export class RefResolver {
  private readonly cache = new Map<string, RefResult>();

  constructor(private readonly root: unknown) {}

  resolve(ref: string): RefResult {
    let result = this.cache.get(ref);
    if (!result) {
      result = this.lookUp(ref);
      // Bounded: a document can only hold so many distinct $ref strings, but be safe.
      if (this.cache.size < 50_000) this.cache.set(ref, result);
    }
    return result;
  }

  private lookUp(ref: string): RefResult {
    if (!ref.startsWith('#')) return { ok: false, reason: 'remote' };
    const segments = pointerSegments(ref.slice(1));
    if (!segments) return { ok: false, reason: 'missing' };
    let node: unknown = this.root;
    for (const segment of segments) {
      if (Array.isArray(node) && /^(0|[1-9][0-9]{0,8})$/.test(segment)) node = node[Number(segment)];
      else if (isRecord(node)) node = own(node, segment);
      else return { ok: false, reason: 'missing' };
      if (node === undefined) return { ok: false, reason: 'missing' };
    }
    // The canonical pointer tells two spellings of one target apart from two targets (cycle detection).
    return { ok: true, value: node, pointer: pointerOf(segments), name: schemaName(segments) };
  }
}

/** The canonical pointer of a location, so that two spellings of one target compare equal (cycle detection). */
export function pointerOf(segments: readonly string[]): string {
  return `#${segments.map((s) => `/${s.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('')}`;
}

/** RFC 6901 segments of a URI fragment (percent-decoded, then `~1` → `/`, `~0` → `~`), or undefined if malformed. */
export function pointerSegments(fragment: string): string[] | undefined {
  let decoded = fragment;
  try {
    decoded = decodeURIComponent(fragment);
  } catch {
    // A stray % is not an escape; read the fragment as written.
  }
  if (decoded === '') return [];
  if (!decoded.startsWith('/')) return undefined;
  return decoded
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The name a reader knows a schema by: only direct children of the schema containers have one. */
function schemaName(segments: readonly string[]): string | undefined {
  const [first, second, third] = segments;
  // Cut as the schemas section cuts names, so that the two still match.
  if (segments.length === 3 && first === 'components' && second === 'schemas') return third?.slice(0, 200);
  if (segments.length === 2 && first === 'definitions') return second?.slice(0, 200);
  return undefined;
}

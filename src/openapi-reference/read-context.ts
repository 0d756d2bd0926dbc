import { formatValue } from './format-value.ts';
import { isRecord, own, scalarText, type JsonRecord } from './records.ts';
import { RefResolver } from './ref-resolver.ts';

/** Characters of descriptions and examples one document may contribute (a 1 MB description referenced 2,000 times must not become 2 GB of page). */
const MAX_CHARS = 6_000_000;
const MAX_NOTICES = 20;
/** Hops through `$ref`s to reach a parameter, response or example ($ref to a $ref to…). */
const MAX_REF_HOPS = 16;

/** What reading one document shares: the reference resolver, the size budgets, and notices about limits hit. */
export class ReadContext {
  readonly resolver: RefResolver;
  private readonly noticeSet = new Set<string>();
  private nodesLeft = 0;
  private charsLeft = MAX_CHARS;
  /** Pointers of the component schemas the schemas section lists: a reference to one is shown as a link there. */
  private listed: ReadonlySet<string> = new Set();

  constructor(root: unknown) {
    this.resolver = new RefResolver(root);
  }

  /** Names the component schemas the schemas section will list (their pointers), before operations are read. */
  listSchemas(pointers: Iterable<string>): void {
    this.listed = new Set(pointers);
  }

  isListedSchema(pointer: string): boolean {
    return this.listed.has(pointer);
  }

  get notices(): string[] {
    return [...this.noticeSet];
  }

  notice(text: string): void {
    if (this.noticeSet.size < MAX_NOTICES) this.noticeSet.add(text);
  }

  /**
   * Sets how many schema nodes the next part of the document may produce. Operations and the
   * schemas section get separate budgets so that neither can starve the other; together they
   * bound time, memory and page size.
   */
  budgetNodes(count: number): void {
    this.nodesLeft = count;
  }

  /** Takes one schema node from the budget; false once the document has used all of them. */
  spendNode(): boolean {
    if (this.nodesLeft <= 0) {
      this.notice('The document is too large to show in full: some schemas are cut short.');
      return false;
    }
    this.nodesLeft--;
    return true;
  }

  /** Takes further nodes: long names and patterns cost extra, so they cut a document short sooner instead of growing the page. */
  spendExtraNodes(count: number): void {
    this.nodesLeft -= count;
  }

  /** How many characters the next piece of text may have. */
  charAllowance(max: number): number {
    return Math.max(0, Math.min(max, this.charsLeft));
  }

  spendChars(count: number): void {
    this.charsLeft -= count;
    if (this.charsLeft <= 0)
      this.notice('The document has more text than a page can show: some descriptions and examples are left out.');
  }

  /** A description or other text, cut at `max` characters and charged to the document's text budget. */
  text(value: unknown, max = 20_000): string | undefined {
    const text = scalarText(value);
    if (!text) return undefined;
    const allowance = this.charAllowance(max);
    if (allowance === 0) {
      this.spendChars(0);
      return undefined;
    }
    const out = text.length > allowance ? `${text.slice(0, allowance)}…` : text;
    this.spendChars(out.length);
    return out;
  }

  /** A value (enum member, default, example) as JSON text, charged to the text budget; undefined once it is spent. */
  literal(value: unknown, max: number, pretty = false): { text: string; truncated: boolean } | undefined {
    const allowance = this.charAllowance(max);
    if (allowance === 0) {
      this.spendChars(0);
      return undefined;
    }
    const result = formatValue(value, { maxChars: allowance, pretty });
    this.spendChars(result.text.length);
    return result;
  }

  /**
   * A parameter, response, request body, header or example, following `$ref`s. Undefined when
   * the reference is remote, missing or loops; the reader then skips the item with a notice.
   */
  deref(value: unknown): JsonRecord | undefined {
    let node = value;
    const seen = new Set<string>();
    for (let hop = 0; hop <= MAX_REF_HOPS; hop++) {
      if (!isRecord(node)) return undefined;
      const ref = own(node, '$ref');
      if (typeof ref !== 'string') return node;
      const result = this.resolver.resolve(ref);
      if (!result.ok) {
        this.notice(`A ${result.reason} reference was not followed: ${ref.slice(0, 200)}`);
        return undefined;
      }
      if (seen.has(result.pointer)) break;
      seen.add(result.pointer);
      node = result.value;
    }
    this.notice('A chain of references loops or is too long and was not followed.');
    return undefined;
  }
}

/** An `x-sunset` date as text. The YAML 1.1 schema would read an unquoted date as a timestamp, so a Date is accepted too. */
export function sunsetText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim().slice(0, 100) || undefined;
  if (value instanceof Date && !Number.isNaN(value.getTime())) {
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  return undefined;
}

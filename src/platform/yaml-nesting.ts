import { CST, Lexer } from 'yaml';

/**
 * Returns the offset where collection nesting first exceeds `limit`, or undefined.
 * A whole text at once; a parser that lexes the text anyway feeds a NestingGuard instead.
 */
export function findExcessiveNesting(text: string, limit: number): number | undefined {
  const guard = new NestingGuard(limit);
  for (const token of new Lexer().lex(text)) {
    const deep = guard.push(token);
    if (deep !== undefined) return deep;
  }
  return undefined;
}

/**
 * Follows the tokens of YAML's own lexer, which is iterative (only the composer recurses),
 * and says at which offset collection nesting first exceeds the limit: fed the same tokens
 * as the parser, before the parser, it refuses a text before a document of it is composed.
 *
 * Quoted scalars, comments, block scalars and plain scalars holding brackets, dashes or
 * quotes count exactly as the parser will see them. Flow collections count by their
 * brackets. Block collections count by column, as the parser nests them: a `-`, a `?` or a
 * key (or a bare `:`) opens a level at its column unless one of the same sort is already
 * open there, and closes every level to its right. Block nesting needs this guard too:
 * compact sequences (`- - - x`) cost two bytes a level, and the composer overflows the
 * stack near a thousand levels, which can abort the process.
 */
export class NestingGuard {
  private flow = 0;
  private blocks: { column: number; sort: 'seq' | 'map' }[] = [];
  private offset = 0;
  private column = 0;
  /** Where the node that may turn out to be a key started on this line. */
  private nodeStart: number | undefined;
  private scalarNext = false;

  constructor(private readonly limit: number) {}

  /** Takes the lexer's next token; returns the offset of the level beyond the limit, once there is one. */
  push(token: string): number | undefined {
    // Markers the lexer inserts; they are not source text.
    if (token === CST.SCALAR) {
      this.scalarNext = true;
      return undefined;
    }
    if (token === CST.DOCUMENT) return undefined;
    if (token === CST.FLOW_END) {
      this.flow = 0; // flow mode ended without its closing brackets
      this.nodeStart = undefined;
      return undefined;
    }
    const type = this.scalarNext ? 'scalar' : CST.tokenType(token);
    this.scalarNext = false;
    const at = this.column;
    const start = this.offset;
    const newline = token.lastIndexOf('\n');
    this.column = newline === -1 ? this.column + token.length : token.length - newline - 1;
    this.offset += token.length;

    switch (type) {
      case 'doc-start':
      case 'doc-end':
        this.blocks = [];
        this.flow = 0;
        this.nodeStart = undefined;
        return undefined;
      case 'flow-seq-start':
      case 'flow-map-start':
        if (this.flow === 0) this.nodeStart ??= at; // a flow collection may be a key
        return ++this.flow + this.blocks.length > this.limit ? start : undefined;
      case 'flow-seq-end':
      case 'flow-map-end':
        this.flow = Math.max(0, this.flow - 1);
        return undefined;
      case 'newline':
        this.nodeStart = undefined; // an implicit key is on one line
        return undefined;
      case 'space':
      case 'comment':
      case 'comma':
      case 'byte-order-mark':
      case 'directive-line':
        return undefined;
      case 'seq-item-ind':
      case 'explicit-key-ind':
        if (this.flow !== 0) return undefined;
        this.nodeStart = undefined;
        return this.openBlock(at, type === 'seq-item-ind' ? 'seq' : 'map') ? start : undefined;
      case 'map-value-ind': {
        if (this.flow !== 0) return undefined;
        const deep = this.openBlock(this.nodeStart ?? at, 'map');
        this.nodeStart = undefined;
        return deep ? start : undefined;
      }
      default:
        // Scalars, anchors, tags, aliases, block scalar headers. An implicit key is on one
        // line, so a token that spans lines is a value and starts no key.
        if (this.flow === 0) this.nodeStart = newline !== -1 ? undefined : (this.nodeStart ?? at);
        return undefined;
    }
  }

  /** Opens a block level at `at`; true when that goes beyond the limit. */
  private openBlock(at: number, sort: 'seq' | 'map'): boolean {
    const { blocks } = this;
    let top = blocks.at(-1);
    while (top && top.column > at) {
      blocks.pop();
      top = blocks.at(-1);
    }
    // A key at the column of a sequence that sits under a map (`a:\n- x\nb: y`) ends that sequence.
    if (top && top.column === at && top.sort === 'seq' && sort === 'map') {
      blocks.pop();
      top = blocks.at(-1);
    }
    if (top && top.column === at && top.sort === sort) return false; // a sibling
    blocks.push({ column: at, sort }); // includes a sequence at the column of its map's keys
    return blocks.length + this.flow > this.limit;
  }
}

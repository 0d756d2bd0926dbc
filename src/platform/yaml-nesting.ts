import { CST, Lexer } from 'yaml';

/**
 * Returns the offset where collection nesting first exceeds `limit`, or undefined.
 *
 * Reads the tokens of YAML's own lexer, which is iterative (only the composer recurses),
 * so quoted scalars, comments, block scalars and plain scalars holding brackets, dashes or
 * quotes count exactly as the parser will see them. Flow collections count by their
 * brackets. Block collections count by column, as the parser nests them: a `-`, a `?` or a
 * key (or a bare `:`) opens a level at its column unless one of the same sort is already
 * open there, and closes every level to its right. Block nesting needs this guard too:
 * compact sequences (`- - - x`) cost two bytes a level, and the composer overflows the
 * stack near a thousand levels, which can abort the process.
 */
export function findExcessiveNesting(text: string, limit: number): number | undefined {
  let flow = 0;
  let blocks: { column: number; sort: 'seq' | 'map' }[] = [];
  let offset = 0;
  let column = 0;
  /** Where the node that may turn out to be a key started on this line. */
  let nodeStart: number | undefined;
  let scalarNext = false;

  const openBlock = (at: number, sort: 'seq' | 'map'): boolean => {
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
    return blocks.length + flow > limit;
  };

  for (const token of new Lexer().lex(text)) {
    // Markers the lexer inserts; they are not source text.
    if (token === CST.SCALAR) {
      scalarNext = true;
      continue;
    }
    if (token === CST.DOCUMENT) continue;
    if (token === CST.FLOW_END) {
      flow = 0; // flow mode ended without its closing brackets
      nodeStart = undefined;
      continue;
    }
    const type = scalarNext ? 'scalar' : CST.tokenType(token);
    scalarNext = false;
    const at = column;
    const start = offset;
    const newline = token.lastIndexOf('\n');
    column = newline === -1 ? column + token.length : token.length - newline - 1;
    offset += token.length;

    switch (type) {
      case 'doc-start':
      case 'doc-end':
        blocks = [];
        flow = 0;
        nodeStart = undefined;
        break;
      case 'flow-seq-start':
      case 'flow-map-start':
        if (flow === 0) nodeStart ??= at; // a flow collection may be a key
        if (++flow + blocks.length > limit) return start;
        break;
      case 'flow-seq-end':
      case 'flow-map-end':
        flow = Math.max(0, flow - 1);
        break;
      case 'newline':
        nodeStart = undefined; // an implicit key is on one line
        break;
      case 'space':
      case 'comment':
      case 'comma':
      case 'byte-order-mark':
      case 'directive-line':
        break;
      case 'seq-item-ind':
      case 'explicit-key-ind':
        if (flow === 0) {
          nodeStart = undefined;
          if (openBlock(at, type === 'seq-item-ind' ? 'seq' : 'map')) return start;
        }
        break;
      case 'map-value-ind':
        if (flow === 0) {
          if (openBlock(nodeStart ?? at, 'map')) return start;
          nodeStart = undefined;
        }
        break;
      default:
        // Scalars, anchors, tags, aliases, block scalar headers. An implicit key is on one
        // line, so a token that spans lines is a value and starts no key.
        if (flow === 0) nodeStart = newline !== -1 ? undefined : (nodeStart ?? at);
    }
  }
  return undefined;
}

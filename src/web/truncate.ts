/**
 * Shortens to at most `max` code points with an ellipsis, never splitting a surrogate
 * pair, and reading no more of a huge label than it keeps.
 *
 * @example truncate('checkout-service', 8) // 'checkou…'
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const kept: string[] = [];
  for (const ch of text) {
    if (kept.length === max) return `${kept.slice(0, max - 1).join('')}…`;
    kept.push(ch);
  }
  return text;
}

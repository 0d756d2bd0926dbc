/**
 * Splits text into search terms: runs of letters and digits, lowercased, accents dropped
 * (résumé finds resume). The catalog's database index, the portal's search index and the
 * browser's palette all use it, so every search agrees on what a word is. Pure and free of
 * Node APIs: it is bundled into the client script too.
 */
export function searchTerms(text: string): string[] {
  return (
    text
      .normalize('NFD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}_]+/gu) ?? []
  );
}

/** Words of a query beyond this are ignored (a query is a few words, not a document). */
export const MAX_QUERY_TERMS = 8;

/**
 * Search terms with identifiers split into their words: `ShipmentCreateErrorRateHigh`,
 * `shipment_create_error` and `HTTPServer` read as the words a person would type. Every
 * query is split this way: the portal's full-text search and the catalog list's `?q=`.
 */
export function identifierTerms(text: string): string[] {
  return searchTerms(
    text
      .replace(/(\p{Ll}|\p{N})(\p{Lu})/gu, '$1 $2')
      .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2')
      .replace(/_/g, ' '),
  );
}

/**
 * The words an entity is stored under for the catalog list's `?q=` (its search text in the
 * database): each identifier whole and in its parts, so `shipment create` (split as a query
 * is) and `shipmentcreate` both find `ShipmentCreate`.
 */
export function storedTerms(text: string): string[] {
  return [...new Set([...searchTerms(text), ...identifierTerms(text)])];
}

import { CompiledQuery } from 'kysely';
import type { DialectName } from './connect.ts';

/**
 * Inserts many rows of one table with few, reused statements: what a cold catalog sync
 * does with 50,000 entities and their relations, tags and index rows. Kysely's multi-row
 * insert builds (and SQLite prepares) one query of up to 30,000 parameters per batch, and
 * compiling it cost about as much as SQLite storing the rows.
 *
 * - SQLite: a one-row insert, prepared once and run for each row: the rows go through
 *   Kysely as one query of ROWS_PER_SQLITE_CALL rows' parameters, marked so that the
 *   connection (connect.ts, `rowsStatementWidth`) runs its statement once per row. A
 *   reused one-row statement cost SQLite less than multi-row ones of any size.
 * - PostgreSQL: `insert … select * from unnest($1::text[], …)`: one parameter per column,
 *   each an array of that column's values, ROWS_PER_POSTGRES_STATEMENT rows a statement
 *   (unnamed, as every statement: safe behind PgBouncer in transaction mode).
 */

export interface BulkTable {
  name: string;
  /** The columns each row gives, in order, with their PostgreSQL types (unnest needs them). */
  columns: readonly { name: string; type: 'text' | 'integer' }[];
  /** Upsert: a row whose key is stored replaces every other column. Keys must be unique within one call. */
  conflictKey?: string;
}

export const ROWS_PER_SQLITE_CALL = 10_000;
export const ROWS_PER_POSTGRES_STATEMENT = 5_000;

export async function bulkInsert(
  db: { executeQuery(query: CompiledQuery): Promise<unknown> },
  dialect: DialectName,
  table: BulkTable,
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  const per = dialect === 'sqlite' ? ROWS_PER_SQLITE_CALL : ROWS_PER_POSTGRES_STATEMENT;
  for (let start = 0; start < rows.length; start += per) {
    const slice = rows.slice(start, start + per);
    const query =
      dialect === 'sqlite'
        ? CompiledQuery.raw(sqliteInsert(table), slice.flat())
        : CompiledQuery.raw(
            postgresInsert(table),
            table.columns.map((_, column) => slice.map((row) => row[column])),
          );
    await db.executeQuery(query);
  }
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

function head(table: BulkTable): string {
  return `insert into ${quote(table.name)} (${table.columns.map((c) => quote(c.name)).join(', ')})`;
}

function onConflict(table: BulkTable): string {
  if (table.conflictKey === undefined) return '';
  const updates = table.columns
    .filter((c) => c.name !== table.conflictKey)
    .map((c) => `${quote(c.name)} = excluded.${quote(c.name)}`);
  return ` on conflict (${quote(table.conflictKey)}) do update set ${updates.join(', ')}`;
}

/** How a SQLite statement says it is to be run once per row of `width` parameters. */
const ROWS_MARK = /^\/\* rows of (\d+) \*\/ /;

/** The number of parameters per row of a statement bulkInsert marked to run per row, or undefined. */
export function rowsStatementWidth(text: string): number | undefined {
  const match = ROWS_MARK.exec(text);
  return match ? Number(match[1]) : undefined;
}

function sqliteInsert(table: BulkTable): string {
  const row = `(${table.columns.map(() => '?').join(', ')})`;
  return `/* rows of ${table.columns.length} */ ${head(table)} values ${row}${onConflict(table)}`;
}

function postgresInsert(table: BulkTable): string {
  const arrays = table.columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  // `where true` keeps `on conflict` from being read as part of the select (PostgreSQL's documented ambiguity).
  return `${head(table)} select * from unnest(${arrays}) where true${onConflict(table)}`;
}

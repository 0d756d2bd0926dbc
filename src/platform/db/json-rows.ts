import { type RawBuilder, sql } from 'kysely';
import type { DialectName } from './connect.ts';

/** A column's SQL type as a JSON row's value is read into it. */
export type JsonColumnType = 'text' | 'bigint' | 'integer';

/** A row's values by column name: text, a number, or null. */
export type JsonRow<C extends string> = { readonly [K in C]: string | number | null };

/**
 * Rows as a SELECT that reads them from one JSON parameter (SQLite `json_each`,
 * PostgreSQL `json_to_recordset`), for `INSERT … SELECT` and `UPDATE … FROM` of many rows
 * at once. A multi-row VALUES list has a parameter per cell: at 500 rows of 24 columns the
 * statement's text, its compilation (Kysely's, then the database's parse and plan: every
 * statement is unnamed, for PgBouncer) and the binding of 12,000 values cost more than the
 * rows' writes. Here the statement is the same short text whatever the number of rows.
 * `columns` are the caller's own names (never input): they are written into the SQL.
 * SQLite's SELECT ends with `where true`, so an `on conflict` after it parses as the
 * upsert's.
 */
export function jsonRows<C extends string>(
  dialect: DialectName,
  columns: Readonly<Record<C, JsonColumnType>>,
  rows: readonly JsonRow<C>[],
): RawBuilder<JsonRow<C>> {
  const names = Object.keys(columns) as C[];
  const json = JSON.stringify(rows.map((row) => names.map((name) => row[name])));
  if (dialect === 'sqlite')
    return sql<JsonRow<C>>`select ${sql.join(
      names.map((name, i) => sql`r.value ->> ${sql.lit(i)} as ${sql.ref(name)}`),
    )} from json_each(${json}) as r where true`;
  // Arrays, not objects, keep the parameter small; jsonb is parsed once, then read by position.
  return sql<JsonRow<C>>`select ${sql.join(
    names.map((name, i) => sql`(r.value ->> ${sql.lit(i)})::${sql.raw(columns[name])} as ${sql.ref(name)}`),
  )} from jsonb_array_elements(${json}::jsonb) as r(value)`;
}

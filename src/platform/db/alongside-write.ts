import type { Transaction } from 'kysely';
import type { Schema } from './schema.ts';

/**
 * A write of one capability's store that must commit with another's or not at all: a
 * flag's switch with its audit change, an SLO evaluation with its alert changes and their
 * notifications. The store that opens the transaction runs it inside.
 */
export type AlongsideWrite = (trx: Transaction<Schema>) => Promise<void>;

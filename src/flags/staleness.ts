import type { FlagType } from './flag-definition.ts';

/**
 * When a flag has outlived its purpose: a release or experiment flag that has been fully
 * on or fully off for longer than its type's expected lifetime (Unleash's defaults) is
 * stale — the code paths behind it should go. Kill switches and permission flags are
 * meant to stay. Pure.
 */

/** Expected lifetime by type, in days; null: never stale. */
export const EXPECTED_LIFETIME_DAYS: Readonly<Record<FlagType, number | null>> = {
  release: 40,
  experiment: 40,
  operational: 7,
  'kill-switch': null,
  permission: null,
};

const DAY_MS = 86_400_000;

export interface Staleness {
  /** On in every environment, off in every one, or neither. */
  settled: 'on' | 'off' | 'mixed';
  /** Whole days since it was last changed (its file or a switch). */
  ageDays: number;
  stale: boolean;
}

/**
 * @param enabled the switch in force in each environment (empty: off everywhere)
 * @param changedAt the latest change to the flag, ISO: its file, or a switch
 */
export function stalenessOf(type: FlagType, enabled: readonly boolean[], changedAt: string, now: Date): Staleness {
  const settled = enabled.every((e) => !e) ? 'off' : enabled.every((e) => e) ? 'on' : 'mixed';
  const ageDays = Math.max(0, Math.floor((now.getTime() - Date.parse(changedAt)) / DAY_MS));
  const lifetime = EXPECTED_LIFETIME_DAYS[type];
  return { settled, ageDays, stale: lifetime !== null && settled !== 'mixed' && ageDays > lifetime };
}

import type { ChangeInput } from '../changes/model.ts';
import type { CheckStatus } from './model.ts';

/**
 * A check's status change as a change on its service's timeline (kind `alert`), so a
 * responder reads "shipments-health failing" next to the deploy that may have caused it.
 * Pure: the checks service records it through the change service, marking the transition
 * recorded in the same transaction, under the recorder and idempotency key below, so a
 * retried publication records each transition once.
 */

/** The principal check changes are recorded as: one of Atrium's own (SYSTEM_RECORDERS), never a token's. */
export const CHECK_RECORDER = { name: 'check-status', scopes: ['changes:write'] } as const;

/** The route check changes are recorded under, with their idempotency keys. */
export const CHECK_ROUTE = '/api/v1/checks';

export interface StatusChange {
  id: number;
  check: string;
  service: string;
  from: CheckStatus;
  to: CheckStatus;
  at: string;
  reason: string;
}

const WORDS: Record<CheckStatus, string> = {
  pending: 'pending',
  passing: 'passing',
  degraded: 'degraded',
  failing: 'failing',
};

/** "Check shipments-health failing (was passing): status == 200 failed: saw 503". */
export function checkChangeSummary(change: StatusChange, name: string): string {
  const why = change.to === 'passing' ? '' : `: ${change.reason}`;
  return `Check ${name} ${WORDS[change.to]} (was ${WORDS[change.from]})${why}`.slice(0, 500);
}

export function checkChangeInput(change: StatusChange, check: { name: string }, url?: string): ChangeInput {
  return {
    service: change.service,
    kind: 'alert',
    summary: checkChangeSummary(change, check.name),
    at: change.at,
    actor: 'Synthetic checks',
    ...(url !== undefined && { url }),
  };
}

/** One key per transition: published twice (a retry, another replica) it is one change. */
export function checkChangeKey(change: StatusChange): string {
  return `check-status:${change.check}:${change.id}:${change.to}:${change.at}`;
}

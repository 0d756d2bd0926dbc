import type { CatalogReader } from '../catalog/reader.ts';
import { EntityRefError, keyOfRef, parseEntityRef, refKey } from '../platform/entity-ref.ts';
import { idempotencyOf, keyReused } from '../platform/db/idempotency.ts';
import { AtriumError } from '../platform/errors.ts';
import type { Principal } from '../platform/http/app.ts';
import type { OnCallAnswer, OnCallPlan } from './model.ts';
import { onCallNow } from './on-call-now.ts';
import type { OnCallReaders } from './readers.ts';
import type { Override } from './schedule.ts';
import type { OnCallStore, StoredOverride } from './store.ts';
import { DAY } from './wall-clock.ts';

/** The longest override: a quarter is already a change of rotation, not an override. */
export const MAX_OVERRIDE_DAYS = 90;

export interface OverrideInput {
  user: string;
  from: string;
  until: string;
  reason: string;
}

type FieldError = { field: string; message: string };

function invalid(errors: FieldError[]): AtriumError {
  const first = errors[0] as FieldError;
  return new AtriumError({
    category: 'user-fixable',
    code: 'invalid-request',
    status: 422,
    message: `Invalid request: ${first.field}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`,
    hint: 'Nothing was written.',
    details: { errors },
  });
}

/**
 * Who is on call, from the catalog's rotations and the overrides set through the API:
 * answers, and overrides checked against the catalog and the clock, audited (who set or
 * removed one, when, why; removed ones stay).
 */
export class OnCallService {
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly store: OnCallStore,
    private readonly catalog: CatalogReader,
    private readonly now: () => Date = () => new Date(),
    /** PagerDuty and Opsgenie, when atrium.yaml configures them. */
    readonly readers?: OnCallReaders,
  ) {}

  /** Calls `listener` after each override set or removed here (the portal's pages showing on-call render afresh). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** The overrides still to end, of these rotations, as the schedule reads them (newest last). */
  readonly overridesOf = async (rotationKeys: readonly string[]): Promise<Map<string, Override[]>> => {
    const active = await this.store.active(rotationKeys, this.now().toISOString());
    return new Map(
      [...active].map(([key, list]) => [
        key,
        list.map((o) => ({
          id: String(o.id),
          user: keyOfRef(o.user),
          from: Date.parse(o.from),
          until: Date.parse(o.until),
        })),
      ]),
    );
  };

  /**
   * Who is on call for `key` now: computed from Atrium's rotations (with the plan it was
   * computed from), or read from PagerDuty / Opsgenie (no plan); a 404 when nothing covers it.
   */
  async answer(key: string): Promise<{ answer: OnCallAnswer; plan?: OnCallPlan }> {
    const found = await onCallNow(this.catalog, key, {
      overridesOf: this.overridesOf,
      readers: this.readers,
      now: this.now,
    });
    if (!found?.answer)
      throw new AtriumError({
        category: 'user-fixable',
        code: 'no-rotation',
        status: 404,
        message: found?.unread
          ? `${key}'s on-call is kept in ${found.unread.target.source === 'pagerduty' ? 'PagerDuty' : 'Opsgenie'}, which this server does not read`
          : `No on-call rotation covers ${key}`,
        hint: found?.unread
          ? `Configure paging.${found.unread.target.source} (url, apiKeyEnv) in atrium.yaml.`
          : "Add a Rotation (apiVersion atrium.dev/v1) owned by the entity's team, or by its system's team, or name a PagerDuty or Opsgenie schedule in an annotation.",
      });
    return { answer: found.answer, ...(found.plan && { plan: found.plan }) };
  }

  /** The rotation's stored reference, or the documented 404. */
  private async rotation(key: string): Promise<string> {
    const found = (await this.catalog.descriptorsOf([key])).get(key);
    if (found?.entity.kind.toLowerCase() !== 'rotation')
      throw new AtriumError({
        category: 'user-fixable',
        code: 'entity-not-found',
        status: 404,
        message: `No rotation ${key} in the catalog`,
        hint: 'Rotations are catalog entities of kind Rotation; check the namespace and name.',
      });
    return found.ref;
  }

  async overrides(rotationKey: string, withRemoved: boolean): Promise<StoredOverride[]> {
    const ref = await this.rotation(rotationKey);
    return this.store.list(rotationKey, ref, this.now().toISOString(), withRemoved);
  }

  /** Sets an override: the user must be a catalog User, the range forward, ending in the future, at most 90 days. */
  async addOverride(
    route: string,
    rotationKey: string,
    input: OverrideInput,
    principal: Principal,
    idempotencyKey: string | undefined,
  ): Promise<{ status: number; body: string; replayed: boolean }> {
    const rotationRef = await this.rotation(rotationKey);
    const errors: FieldError[] = [];
    let userKey = '';
    try {
      userKey = refKey(parseEntityRef(input.user, { defaultKind: 'User', defaultNamespace: 'default' }));
    } catch (err) {
      if (!(err instanceof EntityRefError)) throw err;
      errors.push({ field: 'user', message: err.message });
    }
    const user = userKey ? (await this.catalog.descriptorsOf([userKey])).get(userKey) : undefined;
    if (userKey && user?.entity.kind.toLowerCase() !== 'user')
      errors.push({ field: 'user', message: `${userKey} is not a User in the catalog` });
    const from = Date.parse(input.from);
    const until = Date.parse(input.until);
    const now = this.now();
    if (until <= from) errors.push({ field: 'until', message: 'must be after from' });
    else if (until - from > MAX_OVERRIDE_DAYS * DAY)
      errors.push({ field: 'until', message: `must be at most ${MAX_OVERRIDE_DAYS} days after from` });
    else if (until <= now.getTime())
      errors.push({ field: 'until', message: 'is in the past: the override would never apply' });
    if (errors.length > 0) throw invalid(errors);
    const idempotency = idempotencyOf(principal.name, `${route} ${rotationKey}`, idempotencyKey, input);
    const outcome = await this.store.create(
      {
        rotationKey,
        userKey,
        userRef: user?.ref ?? userKey,
        from: new Date(from).toISOString(),
        until: new Date(until).toISOString(),
        reason: input.reason,
        createdBy: principal.name,
        createdAt: now.toISOString(),
      },
      rotationRef,
      idempotency,
    );
    if (outcome.kind === 'conflict') throw keyReused(idempotencyKey ?? '');
    if (outcome.kind === 'replayed') return { status: outcome.status, body: outcome.body, replayed: true };
    for (const listener of this.listeners) listener();
    return { status: 201, body: JSON.stringify(outcome.override), replayed: false };
  }

  /** Removes an override (kept in the record with who removed it, when and why); 404 when the rotation has no such override. */
  async removeOverride(rotationKey: string, id: number, principal: Principal, reason: string): Promise<StoredOverride> {
    const rotationRef = await this.rotation(rotationKey);
    const removed = await this.store.remove(rotationKey, rotationRef, id, {
      by: principal.name,
      at: this.now().toISOString(),
      reason,
    });
    if (!removed)
      throw new AtriumError({
        category: 'user-fixable',
        code: 'override-not-found',
        status: 404,
        message: `Rotation ${rotationRef} has no override ${id}`,
        hint: 'List its overrides with GET …/overrides to find the id.',
      });
    for (const listener of this.listeners) listener();
    return removed;
  }
}

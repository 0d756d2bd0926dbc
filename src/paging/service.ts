import { randomUUID } from 'node:crypto';
import type { Entity } from '../catalog/model.ts';
import type { EntityDescriptor } from '../catalog/reader.ts';
import type { OutboxEntry } from '../notifications/model.ts';
import type { Outbox } from '../notifications/outbox.ts';
import { idempotencyOf } from '../platform/db/idempotency.ts';
import { AtriumError } from '../platform/errors.ts';
import { pageInputProblems, pageMessage, pageTarget, type PageTarget } from './model.ts';

/** A page as the API answers it and the Page card shows it. */
export interface PageStatus {
  id: number;
  service: string;
  receiver: string;
  dedupKey: string;
  status: OutboxEntry['status'];
  attempts: number;
  by: string;
  message: string;
  queuedAt: string;
  sentAt?: string;
  lastError?: string;
}

export interface PagingOptions {
  /** The receiver a page goes to unless the entity's `atrium.dev/page-receiver` names another. */
  defaultReceiver?: string;
  /** The portal's absolute URL of an entity page, for the responder's link (none without a public URL). */
  pageUrl?: (ref: string) => string | undefined;
}

export function pageStatusOf(entry: OutboxEntry): PageStatus {
  return {
    id: entry.id,
    service: entry.message.source,
    receiver: entry.receiver,
    dedupKey: entry.dedupKey,
    status: entry.status,
    attempts: entry.attempts,
    by: entry.message.details.pagedBy ?? entry.createdBy,
    message: entry.message.details.message ?? entry.message.summary,
    queuedAt: entry.createdAt,
    ...(entry.sentAt ? { sentAt: entry.sentAt } : {}),
    ...(entry.lastError ? { lastError: entry.lastError } : {}),
  };
}

/**
 * Paging a service's on-call: a page is a message in the notification outbox, queued by the
 * request (that row is the request's write) and delivered by the outbox's background task,
 * so a slow or failing PagerDuty never holds a request.
 */
export class PagingService {
  constructor(
    private readonly descriptors: (keys: readonly string[]) => Promise<Map<string, EntityDescriptor>>,
    private readonly outbox: Outbox,
    private readonly options: PagingOptions = {},
  ) {}

  targetOf(entity: Entity): PageTarget | undefined {
    return pageTarget(entity.metadata.annotations, this.options.defaultReceiver, (n) => this.outbox.hasReceiver(n));
  }

  /**
   * Queues a page of `serviceKey`'s on-call. `principal` is the token's name; `idempotencyKey`
   * makes a retry answer the first page (`replayed`) instead of paging twice.
   */
  async page(
    serviceKey: string,
    input: { message: string; by?: string },
    principal: string,
    idempotencyKey?: string,
  ): Promise<{ page: PageStatus; replayed: boolean }> {
    const by = input.by?.trim() || principal;
    const problems = pageInputProblems(input.message, by);
    if (problems.length > 0)
      throw new AtriumError({
        category: 'user-fixable',
        code: 'invalid-request',
        status: 422,
        message: `Invalid request: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
        hint: `Send a message of 1 to 1,000 characters saying what is wrong.`,
        details: { errors: problems },
      });
    const descriptor = (await this.descriptors([serviceKey])).get(serviceKey);
    if (!descriptor)
      throw new AtriumError({
        category: 'user-fixable',
        code: 'entity-not-found',
        status: 404,
        message: `No entity ${serviceKey} in the catalog`,
        hint: 'Check the reference, or search with GET /api/v1/entities?q=...',
      });
    const target = this.targetOf(descriptor.entity);
    if (!target)
      throw new AtriumError({
        category: 'user-fixable',
        code: 'paging-not-configured',
        status: 409,
        message: `No receiver is configured for pages of ${descriptor.ref}`,
        hint: 'Configure a receiver under notifications.receivers and paging.receiver in atrium.yaml, or annotate the entity with atrium.dev/page-receiver.',
      });
    const { entity } = descriptor;
    const message = pageMessage(
      {
        serviceRef: descriptor.ref,
        serviceName: entity.metadata.title ?? entity.metadata.name,
        owner: typeof entity.spec?.owner === 'string' ? entity.spec.owner : undefined,
        system: typeof entity.spec?.system === 'string' ? entity.spec.system : undefined,
        by,
        message: input.message,
        pageUrl: this.options.pageUrl?.(descriptor.ref),
      },
      target.routingKey,
    );
    const { entry, replayed } = await this.outbox.enqueue({
      receiver: target.receiver,
      subjectKey: serviceKey,
      message,
      dedupKey: `atrium-page-${randomUUID()}`,
      // The request as sent (the service, message and who): the same key with another page is refused.
      ...(idempotencyKey
        ? { idempotency: idempotencyOf(principal, 'pages', idempotencyKey, { serviceKey, ...input }) }
        : {}),
      createdBy: principal,
    });
    return { page: pageStatusOf(entry), replayed };
  }

  async recent(serviceKey: string, limit = 5): Promise<PageStatus[]> {
    return (await this.outbox.recentFor(serviceKey, limit)).filter((e) => e.message.class === 'page').map(pageStatusOf);
  }

  async status(id: number): Promise<PageStatus | undefined> {
    const entry = await this.outbox.entry(id);
    return entry && entry.message.class === 'page' ? pageStatusOf(entry) : undefined;
  }
}

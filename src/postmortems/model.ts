/**
 * Post-mortems and their action items: what is stored and shown. Pure types and the few
 * constants every path (API, form, file, CLI) shares.
 */

/** What an action item does: stop it now, stop it happening again, or change how people work. */
export type ActionType = 'mitigate' | 'prevent' | 'process';
export const ACTION_TYPES: readonly ActionType[] = ['mitigate', 'prevent', 'process'];

/**
 * `open` until `done`; `deprioritised` is an explicit decision (with a reason and who made it)
 * that the item will not be done, which takes it off the escalation path and out of the count.
 */
export type ActionStatus = 'open' | 'done' | 'deprioritised';
export const ACTION_STATUSES: readonly ActionStatus[] = ['open', 'done', 'deprioritised'];

/** An action item as someone asks for it, before validation. */
export interface ActionItemDraft {
  title: string;
  /** A User or Group entity reference (`group:default/checkout`, `user:default/jane`, or a bare team name). */
  owner: string;
  /** A calendar date, `YYYY-MM-DD`. */
  deadline: string;
  type: ActionType;
  /** An http(s) link to the ticket that tracks it. */
  ticket?: string;
}

/** A validated action item: `owner` is the entity's key (`group:default/checkout`). */
export interface ActionItemFields {
  title: string;
  owner: string;
  deadline: string;
  type: ActionType;
  ticket?: string;
}

export interface ActionItem extends ActionItemFields {
  id: number;
  incidentId: string;
  status: ActionStatus;
  createdAt: string;
  createdBy: string;
  doneAt?: string;
  doneBy?: string;
  deprioritisedReason?: string;
  deprioritisedBy?: string;
  deprioritisedAt?: string;
  /** When it was last escalated (the latest sprint's escalation), if ever. */
  escalatedAt?: string;
  /** The sprints it was escalated in, oldest first. */
  escalatedSprints: number[];
}

export interface PostMortem {
  incidentId: string;
  markdown: string;
  author: string;
  publishedAt: string;
  updatedAt: string;
  reviewedBy?: string;
  reviewedAt?: string;
}

/** A problem with one field of a request or file, said so the person can fix it. */
export interface FieldProblem {
  field: string;
  message: string;
}

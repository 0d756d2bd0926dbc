import { PROBLEM_JSON } from './problem.ts';
import { ProblemDocumentSchema } from './problem-schema.ts';

const content = { [PROBLEM_JSON]: { schema: ProblemDocumentSchema } };

/** An error response of a route in OpenAPI: a problem document, with what the status means there. */
export interface ProblemResponse {
  description: string;
  content: typeof content;
}

/** What each status means on any route; a route with more to say uses describedProblem. */
const STANDARD = {
  400: 'Invalid request',
  401: 'No token, or one that is unknown, expired or revoked (the problem says which)',
  403: 'The token lacks the scope',
  404: 'No such entity',
  413: 'Body too large',
  500: 'Server error',
  503: 'Busy (the render queue is full, or the answer would wait too long) or a dependency is down: nothing was done; retry after the Retry-After seconds',
} as const;

export type StandardProblemStatus = keyof typeof STANDARD;

/** A problem response with a description of the route's own, e.g. which conflicts a 409 means. */
export function describedProblem(description: string): ProblemResponse {
  return { description, content };
}

/**
 * The OpenAPI `responses` entries of the given error statuses, each with its standard
 * description, so routes spread `...problemResponses(400, 401, 413)` instead of copying tables.
 */
export function problemResponses<S extends StandardProblemStatus>(...statuses: S[]): Record<S, ProblemResponse> {
  const responses = {} as Record<S, ProblemResponse>;
  for (const status of statuses) responses[status] = describedProblem(STANDARD[status]);
  return responses;
}

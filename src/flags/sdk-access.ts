import type { Principal } from '../platform/http/app.ts';
import { describedProblem, problemResponses } from '../platform/http/problem-responses.ts';

/** How SDKs authenticate, in OpenAPI: an Atrium token with `flags:read` as `Authorization`. */
export const SDK_SECURITY = [{ sdkToken: [] }];

/** The error responses every SDK route can give besides its own. */
export const sdkProblems = {
  ...problemResponses(401, 413),
  403: describedProblem('The token lacks the scope (flags:read)'),
};

/** The environment an SDK token reads (production unless it names one). */
export const environmentOf = (principal: Pick<Principal, 'environment'> | undefined): string =>
  principal?.environment ?? 'production';

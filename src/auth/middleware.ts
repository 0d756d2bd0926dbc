import type { MiddlewareHandler } from 'hono';
import type { AppEnv, Principal } from '../platform/http/app.ts';
import type { TokenService } from './service.ts';
import type { Scope } from './token.ts';

/**
 * A route middleware that lets a request through only with a token holding `scope`, and
 * records who it is (`c.get('principal')`) for the write to carry.
 *
 * @example
 * createRoute({ method: 'post', path: '/api/v1/deployments', middleware: [requireScope(tokens, 'deployments:write')], ... })
 */
export function requireScope(tokens: TokenService, scope: Scope): MiddlewareHandler<AppEnv> {
  return async function requireScopeMiddleware(c, next) {
    c.set('principal', await tokens.authenticate(c.req.header('authorization'), scope));
    await next();
  };
}

/** Who a route behind requireScope serves (a route without it is a bug, not a user's mistake). */
export function principalOf(c: { get(key: 'principal'): Principal | undefined }): Principal {
  const principal = c.get('principal');
  if (!principal) throw new Error('a write route ran without requireScope');
  return principal;
}

/** The OpenAPI security scheme of token-protected routes. */
export const BEARER_SECURITY = [{ bearerAuth: [] }];

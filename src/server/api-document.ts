import type { App } from '../platform/http/app.ts';
import { problemResponses } from '../platform/http/problem-responses.ts';
import { VERSION } from './version.ts';

/**
 * The OpenAPI document at /api/openapi.json: the security schemes and the document's
 * info and tags, and the 503 every read may answer. Registered after every API route (the
 * document lists what is registered).
 */
export function registerApiDocument(app: App, unqueued: ReadonlySet<string>): void {
  // Every read but the unqueued ones goes through the render queue (server/render-queue.ts), so any may be shed.
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== 'route' || definition.route.method !== 'get' || unqueued.has(definition.route.path))
      continue;
    definition.route.responses = { ...problemResponses(503), ...definition.route.responses };
  }
  app.openAPIRegistry.registerComponent('securitySchemes', 'sdkToken', {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description:
      'An Atrium token with flags:read, sent the way Unleash SDKs send theirs (the bare token; `Bearer` works too).',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token from `atrium token create` (format `atrium_<id>_<secret>`).',
  });

  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Atrium API',
      version: VERSION,
      description:
        'The API of the Atrium developer portal. Reads are open; writes need an API token with the right scope (`Authorization: Bearer <token>`). Errors are application/problem+json (RFC 9457) with category, code, hint and requestId.',
    },
    tags: [
      { name: 'Catalog', description: 'Entities, relations, facets and problems of the software catalog.' },
      {
        name: 'Changes',
        description:
          'Deployments, blue/green traffic switches and other changes: recorded with a token, read as timelines and live state.',
      },
      {
        name: 'Feature flags',
        description: "The Unleash client API: Unleash SDKs read the catalog's flags and report evaluation counts.",
      },
      {
        name: 'On call',
        description:
          "Who is on call for an entity now, computed from the catalog's rotations, and overrides (set and removed with a token, audited).",
      },
      {
        name: 'Search',
        description: 'Ranked search over entities, docs pages and runbooks (the command palette uses it).',
      },
      { name: 'Operations', description: 'Health and readiness.' },
    ],
  });
}

import type { TokenService } from '../auth/service.ts';
import type { App } from '../platform/http/app.ts';
import type { Site } from '../web/site.ts';
import { registerOfrepRoutes } from './ofrep-routes.ts';
import type { FlagService } from './service.ts';
import { registerSwitchFormRoute } from './switch-form-route.ts';
import { registerSwitchRoutes } from './switch-routes.ts';
import { registerUnleashClientRoutes } from './unleash-client-routes.ts';

export { ofrepFastPath } from './ofrep-routes.ts';
export { clientFeaturesFastPath } from './unleash-client-routes.ts';

/** Every HTTP surface of feature flags: the switch API, the Unleash client API, OFREP and the switch form. */
export function registerFlagRoutes(app: App, flags: FlagService, tokens: TokenService, site: Site): void {
  registerSwitchRoutes(app, flags, tokens);
  registerUnleashClientRoutes(app, flags, tokens);
  registerOfrepRoutes(app, flags, tokens);
  registerSwitchFormRoute(app, flags, tokens, site);
}

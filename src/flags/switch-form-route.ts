import type { TokenService } from '../auth/service.ts';
import { refKey } from '../catalog/model.ts';
import { AtriumError } from '../platform/errors.ts';
import type { App } from '../platform/http/app.ts';
import { bodyLimit } from '../platform/http/body-limit.ts';
import { PAGE_CSP } from '../web/csp.ts';
import type { Site } from '../web/site.ts';
import { switchRefusedView } from './pages/switch-page.ts';
import { PLAN_ACTIONS, type PlanAction } from './release-plan.ts';
import type { FlagService } from './service.ts';

/**
 * The switch form of a flag's page (not part of the API): the token comes in the form,
 * so there is no session to forge; a refusal is an HTML page that says why.
 */
export function registerSwitchFormRoute(app: App, flags: FlagService, tokens: TokenService, site: Site): void {
  app.post(
    '/catalog/:namespace/flag/:name/switch/',
    bodyLimit(16 * 1024, 'The switch form is a few fields.'),
    async (c) => {
      const { namespace, name } = c.req.param();
      const ref = `flag:${namespace}/${name}`.toLowerCase();
      const refuse = (status: 400 | 401 | 403 | 404 | 409, message: string, hint: string) =>
        c.html(switchRefusedView(site, ref, message, hint).value, status, { 'content-security-policy': PAGE_CSP });
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const field = (n: string) => (typeof form[n] === 'string' ? (form[n] as string) : undefined);
      if (field('confirm') !== 'yes')
        return refuse(
          400,
          'The change was not confirmed.',
          'Tick the box that says you know this changes what users get, then submit again.',
        );
      const action = field('action') ?? '';
      const environment = field('environment') ?? '';
      const known = ['on', 'off', 'rollout', 'rollout-default', ...PLAN_ACTIONS];
      if (!known.includes(action)) return refuse(400, 'Choose what to change.', 'Pick a change in the form.');
      if (environment === '*' && action !== 'off')
        return refuse(
          400,
          'Every environment is only for turning a flag off (the kill switch).',
          'Choose one environment for any other change.',
        );
      const percentText = field('percent') ?? '';
      const percent = /^\d{1,3}$/.test(percentText) && Number(percentText) <= 100 ? Number(percentText) : undefined;
      if (action === 'rollout' && percent === undefined)
        return refuse(
          400,
          'The rollout percentage must be a whole number from 0 to 100.',
          "Fill in the percentage, or choose to go back to the strategies' own.",
        );
      try {
        const principal = await tokens.authenticate(`Bearer ${field('token') ?? ''}`, 'flags:write');
        const key = refKey({ kind: 'Flag', namespace, name });
        const why = 'changed on the flag page';
        if (environment === '*') await flags.kill(key, principal, 'kill switch on the flag page');
        else if (action === 'on' || action === 'off')
          await flags.setEnabled(key, environment, action === 'on', principal, why);
        else if (action === 'rollout' || action === 'rollout-default')
          await flags.setRollout(key, environment, action === 'rollout' ? (percent as number) : null, principal, why);
        else await flags.planAction(key, environment, action as PlanAction, principal, why);
      } catch (err) {
        if (err instanceof AtriumError && err.category === 'user-fixable')
          return refuse(err.status as 400 | 401 | 403 | 404 | 409, err.message, err.hint);
        throw err;
      }
      return c.redirect(
        `${site.basePath}catalog/${encodeURIComponent(namespace.toLowerCase())}/flag/${encodeURIComponent(name.toLowerCase())}/`,
        303,
      );
    },
  );
}

import type { TokenService } from '../auth/service.ts';
import { refKey } from '../catalog/model.ts';
import { AtriumError } from '../platform/errors.ts';
import type { App, Principal } from '../platform/http/app.ts';
import { bodyLimit } from '../platform/http/body-limit.ts';
import { PAGE_CSP } from '../web/csp.ts';
import type { Site } from '../web/site.ts';
import { switchRefusedView } from './pages/switch-page.ts';
import { PLAN_ACTIONS, type PlanAction } from './release-plan.ts';
import { SwitchReason } from './switch-routes.ts';
import type { FlagService } from './service.ts';

/**
 * The switch forms of a flag's page (not part of the API): the token comes in the form,
 * so there is no session to forge; a refusal is an HTML page that says why. Every change
 * needs a reason (the API's rule, stored with the switch); one environment needs the
 * confirmation box, the kill switch (`action=kill`) its own "every environment" box.
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
      /** Authenticates, then switches; a user-fixable refusal (token, flag, plan) becomes the page that says why. */
      const switching = async (change: (principal: Principal) => Promise<unknown>): Promise<Response | undefined> => {
        try {
          await change(await tokens.authenticate(`Bearer ${field('token') ?? ''}`, 'flags:write'));
          return undefined;
        } catch (err) {
          if (err instanceof AtriumError && err.category === 'user-fixable')
            return refuse(err.status as 400 | 401 | 403 | 404 | 409, err.message, err.hint);
          throw err;
        }
      };
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const field = (n: string) => (typeof form[n] === 'string' ? (form[n] as string) : undefined);
      const action = field('action') ?? '';
      const reason = SwitchReason.safeParse(field('reason') ?? '');
      if (!reason.success)
        return refuse(
          400,
          'Give a reason for the change.',
          'One line of up to 500 characters: it is stored with the switch and shown on the timeline.',
        );
      const key = refKey({ kind: 'Flag', namespace, name });
      const flagPage = `${site.basePath}catalog/${encodeURIComponent(namespace.toLowerCase())}/flag/${encodeURIComponent(name.toLowerCase())}/`;
      if (action === 'kill') {
        if (field('every') !== 'yes')
          return refuse(
            400,
            'The kill switch was not confirmed.',
            'Tick the box that says you mean every environment, production included, then submit again.',
          );
        const killed = await switching((principal) => flags.kill(key, principal, reason.data));
        // The kill switch is never offered again by default: the page comes back with nothing chosen.
        return killed ?? c.redirect(`${flagPage}#switches`, 303);
      }
      if (field('confirm') !== 'yes')
        return refuse(
          400,
          'The change was not confirmed.',
          'Tick the box that says you know this changes what users get, then submit again.',
        );
      const environment = field('environment') ?? '';
      const known = ['on', 'off', 'rollout', 'rollout-default', ...PLAN_ACTIONS];
      if (!known.includes(action)) return refuse(400, 'Choose what to change.', 'Pick a change in the form.');
      if (environment === '*')
        return refuse(
          400,
          'Every environment at once is the kill switch.',
          'Use the kill switch form, which asks you to confirm every environment, or choose one environment.',
        );
      if (environment === '') return refuse(400, 'Choose an environment.', 'Pick the environment to change.');
      const percentText = field('percent') ?? '';
      const percent = /^\d{1,3}$/.test(percentText) && Number(percentText) <= 100 ? Number(percentText) : undefined;
      if (action === 'rollout' && percent === undefined)
        return refuse(
          400,
          'The rollout percentage must be a whole number from 0 to 100.',
          "Fill in the percentage, or choose to go back to the strategies' own.",
        );
      const refused = await switching(async (principal) => {
        if (action === 'on' || action === 'off')
          await flags.setEnabled(key, environment, action === 'on', principal, reason.data);
        else if (action === 'rollout' || action === 'rollout-default')
          await flags.setRollout(
            key,
            environment,
            action === 'rollout' ? (percent as number) : null,
            principal,
            reason.data,
          );
        else await flags.planAction(key, environment, action as PlanAction, principal, reason.data);
      });
      if (refused) return refused;
      // The switch page renders the last choice chosen in the form (no script needed); never the kill switch.
      const last = new URLSearchParams({
        environment,
        action,
        ...(percent !== undefined ? { percent: String(percent) } : {}),
      });
      return c.redirect(`${flagPage}switch/?${last}#switches`, 303);
    },
  );
}

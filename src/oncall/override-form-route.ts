import type { Context } from 'hono';
import type { TokenService } from '../auth/service.ts';
import { keyOfRef, refKey } from '../platform/entity-ref.ts';
import { AtriumError } from '../platform/errors.ts';
import type { App, Principal } from '../platform/http/app.ts';
import { bodyLimit } from '../platform/http/body-limit.ts';
import { PAGE_CSP } from '../web/csp.ts';
import { entityPath, type Site, siteUrl } from '../web/site.ts';
import { FORM_REMOVAL_REASON, overrideFromForm } from './override-form.ts';
import { overrideRefusedView } from './pages/on-call-view.ts';
import { OverrideInputSchema, OverrideRemovalSchema } from './schema.ts';
import type { OnCallService } from './service.ts';

type RefusalStatus = 400 | 401 | 403 | 404 | 409 | 422;

/** A refusal the form shows: the first field at fault, in the API's words. */
function invalid(field: string, message: string): AtriumError {
  return new AtriumError({
    category: 'user-fixable',
    code: 'invalid-request',
    status: 422,
    message: `Invalid request: ${field}: ${message}`,
    hint: 'Nothing was written.',
  });
}

/**
 * The override forms of the "On call now" card (not part of the API), as the Page form:
 * the token comes in the form, so there is no session to forge; a refusal is an HTML page
 * that says why, and nothing is written. Done, the browser goes back to the card, which
 * lists the overrides. Only rotations answering for the page's entity are changed here.
 */
export function registerOverrideFormRoutes(app: App, oncall: OnCallService, tokens: TokenService, site: Site): void {
  const limit = bodyLimit(16 * 1024, 'The override form is a user, two times, a zone and a reason.');

  /** Runs a write for the entity page's rotation named in the form; redirects back to the card, or shows the refusal. */
  const handle =
    (
      write: (
        rotationKey: string,
        field: (n: string) => string | undefined,
        principal: Principal,
        route: string,
      ) => Promise<void>,
      rotationOf: (field: (n: string) => string | undefined) => string,
    ) =>
    async (c: Context) => {
      const { namespace, kind, name } = c.req.param() as { namespace: string; kind: string; name: string };
      const key = refKey({ kind, namespace, name });
      const refuse = (status: RefusalStatus, message: string, hint: string) =>
        c.body(overrideRefusedView(site, key, message, hint).value, status, {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': PAGE_CSP,
        });
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const field = (n: string) => (typeof form[n] === 'string' ? (form[n] as string) : undefined);
      try {
        const principal = await tokens.authenticate(`Bearer ${field('token') ?? ''}`, 'oncall:write');
        const { plan } = await oncall.answer(key);
        if (!plan)
          throw new AtriumError({
            category: 'user-fixable',
            code: 'not-atrium-rotation',
            status: 409,
            message: `${key}'s on-call is read from PagerDuty or Opsgenie`,
            hint: 'Set overrides there.',
          });
        const rotationKey = rotationOf(field);
        if (!plan.rotations.some((r) => keyOfRef(r.ref) === rotationKey))
          throw invalid('rotation', `is not one of the rotations answering for ${key}`);
        await write(rotationKey, field, principal, c.req.routePath);
      } catch (err) {
        if (err instanceof AtriumError && err.category === 'user-fixable')
          return refuse(err.status as RefusalStatus, err.message, err.hint);
        throw err;
      }
      return c.redirect(`${siteUrl(site, entityPath(key))}#oncall`, 303);
    };

  app.post(
    '/catalog/:namespace/:kind/:name/oncall-override/',
    limit,
    handle(
      async (rotationKey, field, principal, route) => {
        const read = overrideFromForm(field);
        if ('fault' in read) throw invalid(read.fault.field, read.fault.message);
        const checked = OverrideInputSchema.safeParse(read.input);
        if (!checked.success) {
          const issue = checked.error.issues[0];
          throw invalid(String(issue?.path[0] ?? 'form'), issue?.message ?? 'is invalid');
        }
        await oncall.addOverride(route, rotationKey, checked.data, principal, undefined);
      },
      (field) => field('rotation') ?? '',
    ),
  );

  app.post(
    '/catalog/:namespace/:kind/:name/oncall-override/remove/',
    limit,
    handle(
      async (rotationKey, field, principal) => {
        const id = Number((field('override') ?? '').split(' ')[1]);
        if (!Number.isSafeInteger(id) || id < 1) throw invalid('override', 'names no override');
        const checked = OverrideRemovalSchema.safeParse({
          reason: (field('reason') ?? '').trim() || FORM_REMOVAL_REASON,
        });
        if (!checked.success) throw invalid('reason', checked.error.issues[0]?.message ?? 'is invalid');
        await oncall.removeOverride(rotationKey, id, principal, checked.data.reason);
      },
      (field) => (field('override') ?? '').split(' ')[0] ?? '',
    ),
  );
}

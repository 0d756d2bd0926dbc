import type { App } from '../platform/http/app.ts';
import { PAGE_CSP } from '../web/csp.ts';
import type { Site } from '../web/site.ts';
import { NOTIFICATIONS_PATH, notificationsView } from './pages/notifications-view.ts';
import { decodeNotificationCursor, encodeNotificationCursor, ListQuery } from './routes.ts';
import type { NotificationService } from './service.ts';

/** Rows a page shows. */
const PAGE_ROWS = 50;

/**
 * The Notifications page (live only: a static export has no outbox). Rendered for each
 * request, not cached: it is the outbox as it is now. A filter or cursor that is not one
 * the page offers is ignored, as the portal ignores what it does not read.
 */
export function registerNotificationsPage(app: App, notifications: NotificationService, site: Site): void {
  app.get(`${site.basePath}${NOTIFICATIONS_PATH}`, async (c) => {
    const status = ListQuery.shape.status.safeParse(c.req.query('status') || undefined);
    const receiver = ListQuery.shape.receiver.safeParse(c.req.query('receiver') || undefined);
    const filter = { status: status.data, receiver: receiver.data };
    let before: number | undefined;
    try {
      before = decodeNotificationCursor(c.req.query('cursor'));
    } catch {
      before = undefined;
    }
    const entries = await notifications.list(
      { status: filter.status, receiver: filter.receiver, before },
      PAGE_ROWS + 1,
    );
    const shown = entries.slice(0, PAGE_ROWS);
    const last = shown[shown.length - 1];
    const older = new URLSearchParams();
    if (filter.status) older.set('status', filter.status);
    if (filter.receiver) older.set('receiver', filter.receiver);
    if (last) older.set('cursor', encodeNotificationCursor(last.id));
    const html = notificationsView(site, {
      entries: shown,
      receivers: notifications.receivers(),
      status: filter.status,
      receiver: filter.receiver,
      ...(entries.length > PAGE_ROWS ? { older: older.toString() } : {}),
    });
    return c.body(html.value, 200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': PAGE_CSP,
      'cache-control': 'no-store',
    });
  });
}

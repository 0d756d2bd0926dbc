import type { ReceiverSettings } from '../../platform/config.ts';
import { pagerDutyEventsReceiver } from './pagerduty-events.ts';
import type { Receiver } from './receiver.ts';
import { signedWebhookReceiver } from './signed-webhook.ts';
import { slackWebhookReceiver } from './slack-webhook.ts';

/** The configured receivers by name (atrium.yaml's notifications.receivers). */
export function receiversFrom(settings: readonly ReceiverSettings[], now?: () => Date): Map<string, Receiver> {
  const out = new Map<string, Receiver>();
  for (const s of settings) {
    if (s.type === 'pagerduty')
      out.set(s.name, pagerDutyEventsReceiver({ name: s.name, url: s.url, routingKey: s.secret, now }));
    else if (s.type === 'slack') out.set(s.name, slackWebhookReceiver({ name: s.name, url: s.url, now }));
    else out.set(s.name, signedWebhookReceiver({ name: s.name, url: s.url, secret: s.secret, now }));
  }
  return out;
}

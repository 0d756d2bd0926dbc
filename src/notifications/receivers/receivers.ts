import type { ReceiverSettings } from '../../platform/config.ts';
import { pagerDutyEventsReceiver } from './pagerduty-events.ts';
import type { Receiver } from './receiver.ts';

/** The configured receivers by name (atrium.yaml's notifications.receivers). */
export function receiversFrom(settings: readonly ReceiverSettings[], now?: () => Date): Map<string, Receiver> {
  const out = new Map<string, Receiver>();
  for (const s of settings) {
    if (s.type === 'pagerduty')
      out.set(s.name, pagerDutyEventsReceiver({ name: s.name, url: s.url, routingKey: s.secret, now }));
  }
  return out;
}

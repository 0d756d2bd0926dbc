import { plainAnswer } from '../model.ts';
import { postMessage } from './post-message.ts';
import type { Receiver } from './receiver.ts';
import { slackMessage } from './slack-message.ts';

export interface SlackWebhookOptions {
  name: string;
  /** The incoming webhook's URL: itself the secret (whoever has it can post), so never logged. */
  url: string;
  timeoutMs?: number;
  now?: () => Date;
}

/**
 * A Slack incoming webhook: 200 `ok` accepted; 400/403/404/410 with a plain-text reason
 * (`invalid_payload`, `no_service`, `channel_is_archived`…) never will be; 429 (with
 * Retry-After) and 5xx later.
 */
export function slackWebhookReceiver(options: SlackWebhookOptions): Receiver {
  const now = options.now ?? (() => new Date());
  return {
    name: options.name,
    type: 'slack',
    deliver: (entry, signal) =>
      postMessage({
        url: options.url,
        headers: {},
        body: JSON.stringify(slackMessage(entry)),
        timeoutMs: options.timeoutMs,
        signal,
        now,
        detail: plainAnswer,
      }),
  };
}

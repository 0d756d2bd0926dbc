import { plainAnswer } from '../model.ts';
import { postMessage } from './post-message.ts';
import type { Receiver } from './receiver.ts';
import { NOTIFICATION_ID_HEADER, SIGNATURE_HEADER, webhookPayload, webhookSignature } from './webhook-payload.ts';

export interface SignedWebhookOptions {
  name: string;
  url: string;
  /** The HMAC key the receiver shares (from the environment). */
  secret: string;
  timeoutMs?: number;
  now?: () => Date;
}

/**
 * A generic JSON webhook: the message as JSON, signed with an HMAC-SHA256 header
 * (webhook-payload.ts) and signed again at each attempt, so a retry carries a fresh time.
 * 2xx accepted; 408, 429 and 5xx later; any other status never.
 */
export function signedWebhookReceiver(options: SignedWebhookOptions): Receiver {
  const now = options.now ?? (() => new Date());
  return {
    name: options.name,
    type: 'webhook',
    deliver(entry, signal) {
      const body = JSON.stringify(webhookPayload(entry));
      return postMessage({
        url: options.url,
        headers: {
          [SIGNATURE_HEADER]: webhookSignature(options.secret, body, now()),
          [NOTIFICATION_ID_HEADER]: String(entry.id),
        },
        body,
        timeoutMs: options.timeoutMs,
        signal,
        now,
        detail: plainAnswer,
      });
    },
  };
}

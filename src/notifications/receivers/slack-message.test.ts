import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NotificationMessage, OutboxEntry } from '../model.ts';
import { slackEscape, slackMessage } from './slack-message.ts';

const entryWith = (over: Partial<NotificationMessage> = {}): OutboxEntry => ({
  id: 1,
  receiver: 'checkout-slack',
  subjectKey: 'component:default/shipment-service',
  message: {
    action: 'trigger',
    summary: 'Shipment service burns its error budget 14.4x',
    severity: 'critical',
    source: 'component:default/shipment-service',
    component: 'shipment-service',
    owner: 'group:default/checkout',
    details: {},
    links: [
      { href: 'https://atrium.example/catalog/default/component/shipment-service/runbook/', text: 'Runbook' },
      { href: 'https://atrium.example/slos/default/shipments-availability/', text: 'SLO page' },
    ],
    ...over,
  },
  dedupKey: 'slo:default/shipments-availability:page',
  status: 'queued',
  attempts: 0,
  nextAttemptAt: '2026-12-07T02:14:00.000Z',
  createdBy: 'slo-alerting',
  createdAt: '2026-12-07T02:14:00.000Z',
});

const texts = (blocks: Record<string, unknown>[]) => JSON.stringify(blocks);

test('a trigger says firing, with the service, summary, severity, owner, dedup key and links', () => {
  const { text, blocks } = slackMessage(entryWith());
  assert.equal(text, 'Firing: shipment-service: Shipment service burns its error budget 14.4x');
  assert.deepEqual(blocks[0], {
    type: 'section',
    text: { type: 'mrkdwn', text: ':rotating_light: *Firing* Shipment service burns its error budget 14.4x' },
  });
  assert.deepEqual(blocks[1], {
    type: 'section',
    fields: [
      { type: 'mrkdwn', text: '*Service*\nshipment-service' },
      { type: 'mrkdwn', text: '*Severity*\ncritical' },
      { type: 'mrkdwn', text: '*Owner*\ngroup:default/checkout' },
      { type: 'mrkdwn', text: '*Dedup key*\nslo:default/shipments-availability:page' },
    ],
  });
  assert.deepEqual(blocks[2], {
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: '<https://atrium.example/catalog/default/component/shipment-service/runbook/|Runbook> · <https://atrium.example/slos/default/shipments-availability/|SLO page>',
    },
  });
});

test('a resolve says resolved, an acknowledge says acknowledged', () => {
  const resolved = slackMessage(entryWith({ action: 'resolve' }));
  assert.match(resolved.text, /^Resolved: /);
  assert.match(texts(resolved.blocks), /:white_check_mark: \*Resolved\*/);
  assert.match(slackMessage(entryWith({ action: 'acknowledge' })).text, /^Acknowledged: /);
});

test('mentions, links and markup in a message are escaped, not interpreted', () => {
  const { blocks } = slackMessage(
    entryWith({
      summary: '<!channel> <https://evil.example|click> & co',
      component: '<@U123>',
      links: [
        { href: 'javascript:alert(1)', text: 'bad' },
        { href: 'https://ok.example/a|b>c', text: 'x|y>z' },
      ],
    }),
  );
  const json = texts(blocks);
  assert.match(json, /&lt;!channel&gt; &lt;https:\/\/evil.example\|click&gt; &amp; co/);
  assert.match(json, /\*Service\*\\n&lt;@U123&gt;/);
  assert.doesNotMatch(json, /javascript:/);
  assert.match(json, /<https:\/\/ok.example\/a%7Cb%3Ec\|x y&gt;z>/);
  assert.equal(slackEscape('a<b>&c'), 'a&lt;b&gt;&amp;c');
});

test('a summary over 1,024 characters is cut; a message without links has no links block', () => {
  const { text, blocks } = slackMessage(entryWith({ summary: 's'.repeat(5000), links: [] }));
  assert.ok(text.length < 1100);
  assert.equal(blocks.length, 2);
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Entity } from './model.ts';
import { descriptorRelativePath, operationalLinksOf } from './operational-links.ts';

const entity = (metadata: Partial<Entity['metadata']>): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'checkout', ...metadata },
  spec: {},
});

describe('operationalLinksOf', () => {
  test('links are sorted into runbooks, on-call, dashboards, chat and docs by their type', () => {
    const ops = operationalLinksOf(
      entity({
        links: [
          { url: 'https://wiki.example/runbook', title: 'Wiki runbook', type: 'runbook' },
          { url: 'https://pd.example/schedules/1', type: 'oncall' },
          { url: 'https://grafana.example/d/1', title: 'Overview', type: 'Dashboard' },
          { url: 'https://chat.example/c/1', title: '#checkout', type: 'chat' },
          { url: 'https://example.com', title: 'Home', type: 'website' },
          { url: 'https://example.com/untyped' },
        ],
      }),
      'services/checkout/catalog-info.yaml',
    );
    assert.deepEqual(ops.runbooks, [
      { title: 'Wiki runbook', url: 'https://wiki.example/runbook', source: 'link:runbook' },
    ]);
    assert.deepEqual(ops.oncall, [
      { title: 'https://pd.example/schedules/1', url: 'https://pd.example/schedules/1', source: 'link:oncall' },
    ]);
    assert.equal(ops.dashboards[0]?.title, 'Overview');
    assert.equal(ops.chat[0]?.title, '#checkout');
    assert.deepEqual(ops.docs, []);
  });

  test('the runbook annotation names a file beside the descriptor and comes first', () => {
    const ops = operationalLinksOf(
      entity({
        annotations: { 'atrium.dev/runbook': './docs/runbook.md' },
        links: [{ url: 'https://wiki.example/rb', type: 'runbook' }],
      }),
      'services/checkout/catalog-info.yaml',
    );
    assert.deepEqual(ops.runbooks[0], {
      title: 'Runbook',
      path: 'services/checkout/docs/runbook.md',
      source: 'atrium.dev/runbook',
    });
    assert.equal(ops.runbooks.length, 2);
  });

  test('a runbook path that leaves the catalog root is ignored', () => {
    for (const value of ['../../../etc/passwd', '/etc/passwd']) {
      assert.deepEqual(
        operationalLinksOf(entity({ annotations: { 'atrium.dev/runbook': value } }), 'a/catalog-info.yaml').runbooks,
        [],
        value,
      );
    }
  });

  test('on-call comes from the annotation, PagerDuty and Opsgenie annotations', () => {
    const ops = operationalLinksOf(
      entity({
        annotations: {
          'atrium.dev/oncall': 'checkout-primary',
          'pagerduty.com/service-id': 'P123ABC',
          'opsgenie.com/team': 'checkout',
        },
      }),
      'catalog-info.yaml',
    );
    assert.deepEqual(
      ops.oncall.map((o) => o.title),
      ['checkout-primary', 'PagerDuty service P123ABC', 'Opsgenie team checkout'],
    );
  });

  test('techdocs dir: references become a docs folder in the catalog root', () => {
    assert.deepEqual(
      operationalLinksOf(
        entity({ annotations: { 'backstage.io/techdocs-ref': 'dir:.' } }),
        'services/x/catalog-info.yaml',
      ).docs,
      [{ title: 'Documentation', path: 'services/x', source: 'backstage.io/techdocs-ref' }],
    );
    assert.deepEqual(
      operationalLinksOf(entity({ annotations: { 'backstage.io/techdocs-ref': 'url:https://example.com' } }), 'x.yaml')
        .docs,
      [],
    );
  });
});

describe('descriptorRelativePath', () => {
  test('resolves against the descriptor directory and refuses to leave the root', () => {
    assert.equal(descriptorRelativePath('a/b/c.yaml', './d.md'), 'a/b/d.md');
    assert.equal(descriptorRelativePath('a/b/c.yaml', '../d.md'), 'a/d.md');
    assert.equal(descriptorRelativePath('c.yaml', '../d.md'), undefined);
    assert.equal(descriptorRelativePath('c.yaml', '/d.md'), undefined);
    assert.equal(descriptorRelativePath('c.yaml', 'https://x.example/d.md'), undefined);
  });
});

describe('links that are not safe to offer', () => {
  test('javascript:, data: and other schemes never come out as URLs', () => {
    const ops = operationalLinksOf(
      entity({
        links: [
          { url: 'javascript:alert(1)', type: 'runbook' },
          { url: 'javascript://%0Aalert(1)', type: 'dashboard' },
          { url: 'data:text/html,<script>alert(1)</script>', type: 'chat' },
          { url: 'mailto:oncall@example.com', type: 'oncall' },
        ],
        annotations: { 'atrium.dev/runbook': 'javascript://%0Aalert(1)', 'atrium.dev/oncall': 'javascript://x' },
      }),
      'catalog-info.yaml',
    );
    assert.deepEqual(ops.runbooks, []);
    assert.deepEqual(ops.dashboards, []);
    assert.deepEqual(ops.chat, []);
    assert.deepEqual(ops.oncall, [
      { title: 'mailto:oncall@example.com', url: 'mailto:oncall@example.com', source: 'link:oncall' },
      { title: 'javascript://x', source: 'atrium.dev/oncall' },
    ]);
  });
});

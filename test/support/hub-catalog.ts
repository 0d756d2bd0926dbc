import { component, group, tempCatalog, type TempCatalog } from './catalog.ts';

/**
 * Issue 20's hubs, small: a shared library that 260 services depend on (over two teams and
 * systems, and a few outside any system), an API that 40 of them consume. (The hub's
 * page, its relation list and its graph are tested on it, in a browser too.)
 */
const HUB_DEPENDENTS = 260;
const API_CONSUMERS = 40;

export function hubCatalog(): TempCatalog {
  const docs = [
    component('shared-lib', { owner: 'platform', spec: ['  providesApis: [auth-api]'] }),
    [
      'apiVersion: backstage.io/v1alpha1',
      'kind: API',
      'metadata:',
      '  name: auth-api',
      'spec:',
      '  type: openapi',
      '  lifecycle: production',
      '  owner: platform',
      '  definition: "openapi: 3.0.0"',
      '',
    ].join('\n'),
    component('gateway', { owner: 'platform', dependsOn: ['component:shared-lib'] }),
    group('platform'),
    group('team-a'),
    group('team-b'),
    ...['orders', 'billing'].map((name) =>
      [
        'apiVersion: backstage.io/v1alpha1',
        'kind: System',
        'metadata:',
        `  name: ${name}`,
        'spec:',
        '  owner: team-a',
        '',
      ].join('\n'),
    ),
  ];
  for (let i = 0; i < HUB_DEPENDENTS; i++)
    docs.push(
      component(`svc-${String(i).padStart(3, '0')}`, {
        owner: i % 3 === 0 ? 'team-b' : 'team-a',
        system: i % 10 === 0 ? undefined : i % 2 === 0 ? 'orders' : 'billing',
        dependsOn: ['component:shared-lib'],
        spec: i < API_CONSUMERS ? ['  consumesApis: [auth-api]'] : [],
      }),
    );
  return tempCatalog({ 'catalog-info.yaml': docs.join('---\n') });
}

/**
 * The layers of docs/architecture.md, made executable: `npm run lint` runs
 * scripts/check-architecture.ts over every non-test module of src/ against these rules.
 * Change a rule here and in the document together.
 */

/**
 * Rooms from the bottom up. A room may import rooms on its own layer or below; an import
 * upwards is counted and at most MAX_UPWARD are tolerated (each named in the output).
 * Rooms on one layer may import each other, but never in a cycle.
 * A file at the top of src/ is a room of its own, named after it: `capabilities` (what each
 * capability contributes), `server` (the HTTP server's composition), `main` (the CLI entry).
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['platform'],
  ['web'],
  ['openapi-reference'],
  ['catalog'],
  ['auth', 'docs', 'search', 'changes', 'templates', 'notifications', 'runners'],
  ['dora', 'flags', 'demo', 'oncall', 'paging', 'slo', 'checks', 'jobs', 'incidents', 'postmortems'],
  ['portal'],
  ['capabilities'],
  ['server'],
  ['cli'],
  ['main'],
];

/** The most imports from a lower layer to a higher one the tree may have (the bar). */
export const MAX_UPWARD = 3;

/**
 * Rooms that import no capability: what every capability builds on. `platform/` is
 * infrastructure; `web/` is the page kit (html, layout, components, site, assets).
 */
export const FOUNDATIONS: readonly string[] = ['platform', 'web'];

/**
 * Pure modules: rules and models with exhaustive tests. They may import only other pure
 * modules of src/ and the packages below that do no I/O.
 */
export const PURE: readonly string[] = [
  'openapi-reference/api-model.ts',
  'openapi-reference/curl-command.ts',
  'catalog/model.ts',
  'catalog/schema.ts',
  'catalog/parse.ts',
  'catalog/relations.ts',
  'catalog/operational-links.ts',
  'catalog/resolve.ts',
  'catalog/graph.ts',
  'catalog/file-summary.ts',
  'catalog/suspect-file.ts',
  'catalog/search-terms.ts',
  'catalog/reader.ts',
  'catalog/entity-key.ts',
  'catalog/kinds.ts',
  'catalog/repository-urls.ts',
  'catalog/catalog-rules.ts',
  'catalog/scan-filter.ts',
  'changes/model.ts',
  'notifications/model.ts',
  'runners/model.ts',
  'checks/model.ts',
  'checks/assertions.ts',
  'checks/status.ts',
  'checks/check-payload.ts',
  'checks/check-change.ts',
  'demo/check-history.ts',
  'runners/protocol.ts',
  'paging/model.ts',
  'incidents/model.ts',
  'incidents/timeline.ts',
  'incidents/suspects.ts',
  'incidents/pagerduty.ts',
  'changes/live.ts',
  'changes/github.ts',
  'changes/commit-watch.ts',
  'changes/scope.ts',
  'changes/feed-scope.ts',
  'dora/facts.ts',
  'dora/report.ts',
  'dora/series.ts',
  'dora/tiers.ts',
  'dora/charts.ts',
  'dora/percentile.ts',
  'flags/murmur3.ts',
  'flags/bucket.ts',
  'flags/constraints.ts',
  'flags/strategies.ts',
  'flags/variants.ts',
  'flags/compile.ts',
  'flags/validate.ts',
  'flags/engine.ts',
  'flags/flag-definition.ts',
  'flags/flag-kind.ts',
  'flags/public-flag-spec.ts',
  'flags/features-query.ts',
  'flags/staleness.ts',
  'flags/release-plan.ts',
  'templates/template-kind.ts',
  'templates/template-outline.ts',
  'oncall/wall-clock.ts',
  'oncall/schedule.ts',
  'oncall/answer.ts',
  'oncall/model.ts',
  'oncall/rotation-definition.ts',
  'oncall/rotation-kind.ts',
  'slo/exact.ts',
  'jobs/model.ts',
  'jobs/schedule.ts',
  'jobs/catch-up.ts',
  'jobs/job-definition.ts',
  'jobs/job-kind.ts',
  'jobs/pages/job-text.ts',
  'slo/slo-definition.ts',
  'slo/budget.ts',
  'slo/burn.ts',
  'slo/model.ts',
  'slo/alert-change.ts',
  'slo/pages/slo-text.ts',
  'slo/pages/budget-chart.ts',
  'oncall/pagerduty-oncalls.ts',
  'oncall/opsgenie-oncalls.ts',
  'oncall/vendor-read.ts',
  'oncall/vendor-target.ts',
  'slo/prometheus-query.ts',
  'slo/openslo-dialect.ts',
  'slo/sloth-dialect.ts',
  'slo/openslo-export.ts',
  'slo/sloth-export.ts',
  'slo/rules.ts',
  'demo/deploy-history.ts',
  'postmortems/model.ts',
  'postmortems/action-items.ts',
  'postmortems/sprints.ts',
  'postmortems/template.ts',
  'auth/token.ts',
  'platform/prng.ts',
  'platform/environment-name.ts',
  'platform/entity-ref.ts',
  'platform/external-refs.ts',
  'web/front-matter.ts',
  'web/html.ts',
  'dora/model.ts',
  'flags/model.ts',
  'flags/context-value.ts',
  'flags/ip.ts',
  'flags/limits.ts',
  'flags/semver.ts',
  'flags/stickiness.ts',
  'platform/errors.ts',
  'platform/db/database-errors.ts',
  'platform/db/lock-backoff.ts',
  'platform/yaml-nesting.ts',
  'platform/yaml-warnings.ts',
  'web/truncate.ts',
  'web/time-label.ts',
];

/** Packages that do no I/O, which pure modules may use. */
export const PURE_PACKAGES: readonly string[] = [
  'zod',
  'yaml',
  'markdown-it',
  're2js',
  'picomatch',
  'croner',
  'node:crypto',
  'node:path',
];

/**
 * What an environment name may be, wherever one is written (catalog files, config, API
 * bodies and paths, query strings, CLI options): letters, digits, `.`, `_`, `-`, starting
 * with a letter or digit, up to 63 — safe in a URL segment, a log line and a file name.
 *
 * @example ENVIRONMENT_NAME.test('prod-eu') // true
 */
export const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** What to tell someone whose environment name is refused. */
export const ENVIRONMENT_NAME_RULE = 'letters, digits, ".", "_" or "-", starting with a letter or digit, up to 63';

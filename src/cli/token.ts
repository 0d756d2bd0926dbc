import { TokenService } from '../auth/service.ts';
import { ENVIRONMENT_NAME, ENVIRONMENT_NAME_RULE } from '../platform/environment-name.ts';
import { TokenStore, type TokenRecord } from '../auth/store.ts';
import { parseLifetime, parseScopes, SCOPES } from '../auth/token.ts';
import { UsageError } from '../platform/errors.ts';
import { formatOption } from './args.ts';
import { defineCommand, withDatabase } from './command.ts';

const help = `Usage: atrium token create --name NAME --scopes SCOPE[,SCOPE] [--expires-in 90d] [--environment ENV]
       atrium token list
       atrium token revoke NAME

API tokens authorise writes (deployments, changes). A token is printed once, when it
is created; only a hash of its secret is stored. Send it as
\`Authorization: Bearer <token>\`.

  --name NAME              a name people recognise, e.g. ci-payments (letters, digits,
                           . _ -; up to 64); recorded as the author of every write
  --scopes LIST            comma-separated:
${Object.entries(SCOPES)
  .map(([scope, what]) => `                             ${scope.padEnd(19)} ${what}`)
  .join('\n')}
  --expires-in LIFETIME    e.g. 12h, 90d, 2w, or never (default: 90d)
  --environment ENV        for flags:read (SDK) tokens: the environment whose flags the
                           SDK reads (default: production)
  --database PATH_OR_URL   SQLite file or postgres:// URL
                           (default: ATRIUM_DATABASE, DATABASE_URL, or .atrium/atrium.db)
  --format FORMAT          text (default) or json
  -h, --help               show this help

\`list\` shows name, scopes, created, expires, last used and revoked; never a secret.
\`revoke\` takes effect at once, on every server sharing the database.

Exit status: 0 done, 64 bad usage, 65 no such token or the name is taken,
75 database down (retry), 78 configuration problem.
`;

function describe(t: TokenRecord): string {
  const state = t.revokedAt ? `revoked ${t.revokedAt}` : t.expiresAt ? `expires ${t.expiresAt}` : 'never expires';
  return `${t.name}  ${t.scopes.join(',')}${t.environment ? ` (${t.environment})` : ''}  created ${t.createdAt}  ${state}  last used ${t.lastUsedAt ?? 'never'}`;
}

export const tokenCommand = defineCommand({
  name: 'token',
  help,
  options: {
    name: { type: 'string' },
    scopes: { type: 'string' },
    'expires-in': { type: 'string' },
    environment: { type: 'string' },
    database: { type: 'string' },
    format: { type: 'string', default: 'text' },
  },
  async run({ values, positionals, io, loadConfig }) {
    const json = formatOption(values.format) === 'json';
    // The configuration is read once the action's arguments are known to be right.
    const withTokens = <T>(work: (tokens: TokenService) => Promise<T>) =>
      withDatabase(loadConfig({ database: values.database }), (database) =>
        work(new TokenService(new TokenStore(database))),
      );
    const [action, ...rest] = positionals;
    if (action === 'create') {
      if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}"`, 'Give the name with --name NAME.');
      if (!values.name)
        throw new UsageError(
          '--name is required',
          'For example: atrium token create --name ci-payments --scopes deployments:write',
        );
      if (!values.scopes)
        throw new UsageError('--scopes is required', `The scopes are ${Object.keys(SCOPES).join(', ')}.`);
      const name = values.name;
      let scopes: ReturnType<typeof parseScopes>;
      let lifetime: ReturnType<typeof parseLifetime>;
      try {
        scopes = parseScopes(values.scopes);
        lifetime = parseLifetime(values['expires-in'] ?? '90d');
      } catch (err) {
        throw new UsageError((err as Error).message, 'Run `atrium token --help` for the scopes and lifetimes.');
      }
      const environment = values.environment;
      if (environment !== undefined) {
        if (!scopes.includes('flags:read'))
          throw new UsageError(
            '--environment is only for tokens with the flags:read scope',
            'Leave it out, or add flags:read to --scopes.',
          );
        if (!ENVIRONMENT_NAME.test(environment))
          throw new UsageError(
            `--environment must be an environment name (${ENVIRONMENT_NAME_RULE}), not "${environment}"`,
            'For example --environment production.',
          );
      }
      const { token, record } = await withTokens((tokens) =>
        tokens.create(name, scopes, lifetime, environment ?? null),
      );
      if (json) {
        io.out(`${JSON.stringify({ token, ...record })}\n`);
      } else {
        io.out(`${token}\n`);
        io.err(
          `Token "${record.name}" (${record.scopes.join(', ')}${record.environment ? `, environment ${record.environment}` : ''}) ${record.expiresAt ? `expires ${record.expiresAt}` : 'never expires'}. It is shown only this once: store it in your CI's secrets now.\n`,
        );
      }
      return 0;
    }
    if (action === 'list') {
      if (rest.length > 0)
        throw new UsageError(`Unexpected argument "${rest[0]}"`, 'atrium token list takes no arguments.');
      const list = await withTokens((tokens) => tokens.list());
      if (json) io.out(`${JSON.stringify(list)}\n`);
      else
        io.out(
          list.length === 0
            ? 'No tokens. Create one with `atrium token create --name NAME --scopes SCOPE`.\n'
            : `${list.map(describe).join('\n')}\n`,
        );
      return 0;
    }
    if (action === 'revoke') {
      if (rest.length !== 1)
        throw new UsageError(
          'atrium token revoke takes one token name',
          'For example: atrium token revoke ci-payments (see `atrium token list`).',
        );
      const name = rest[0] as string;
      await withTokens((tokens) => tokens.revoke(name));
      if (json) io.out(`${JSON.stringify({ revoked: name })}\n`);
      else io.out(`Revoked "${name}": it is refused from now on.\n`);
      return 0;
    }
    throw new UsageError(
      action === undefined ? 'Missing action' : `Unknown action "${action}"`,
      'Use atrium token create, list or revoke (see `atrium token --help`).',
    );
  },
});

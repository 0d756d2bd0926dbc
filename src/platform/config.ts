import { readFileSync } from 'node:fs';
import { ENVIRONMENT_NAME, ENVIRONMENT_NAME_RULE } from './environment-name.ts';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { AtriumError } from './errors.ts';
import { externalRefPatternProblem } from './external-refs.ts';

/**
 * Typed settings. Command-line options win, then ATRIUM_* environment variables (and
 * DATABASE_URL / PORT), then `atrium.yaml` in the working directory, then defaults.
 */
export interface Config {
  catalog: string;
  /** A SQLite file path or a postgres:// URL. */
  database: string;
  port: number;
  host: string;
  maxFileBytes: number;
  logLevel: string;
  /** The secret GitHub signs webhooks with; webhooks are refused without one. */
  githubWebhookSecret: string | undefined;
  /** The environment names DORA metrics count as production. */
  productionEnvironments: string[];
  /** References known to live outside the catalog (`group:*`, `user:directory/*`, `api:default/x`). */
  externalRefs: string[];
}

export const DEFAULTS: Config = {
  catalog: '.',
  database: '.atrium/atrium.db',
  port: 7400,
  host: '127.0.0.1',
  maxFileBytes: 2 * 1024 * 1024,
  logLevel: 'info',
  githubWebhookSecret: undefined,
  productionEnvironments: ['production'],
  externalRefs: [],
};

const externalRefPatterns = z
  .array(
    z.string().superRefine((pattern, ctx) => {
      const problem = externalRefPatternProblem(pattern);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  )
  .max(1000);

// `catalog` is the root's path, or a mapping of the catalog's settings (Backstage keeps them under `catalog:` too).
const catalogSchema = z.union([
  z.string().min(1),
  z.strictObject({ path: z.string().min(1).optional(), externalRefs: externalRefPatterns.optional() }),
]);

const fileSchema = z.strictObject({
  catalog: catalogSchema.optional(),
  database: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  host: z.string().min(1).optional(),
  maxFileBytes: z.number().int().min(1024).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  githubWebhookSecret: z
    .string()
    .min(16, 'must be at least 16 characters (GitHub recommends a long random string)')
    .optional(),
  productionEnvironments: z
    .array(z.string().regex(ENVIRONMENT_NAME, `must be environment names (${ENVIRONMENT_NAME_RULE})`))
    .min(1)
    .max(20)
    .optional(),
});

const envNames: Record<keyof Config, string[]> = {
  catalog: ['ATRIUM_CATALOG'],
  database: ['ATRIUM_DATABASE', 'DATABASE_URL'],
  port: ['ATRIUM_PORT', 'PORT'],
  host: ['ATRIUM_HOST'],
  maxFileBytes: ['ATRIUM_CATALOG_MAX_FILE_BYTES'],
  logLevel: ['ATRIUM_LOG_LEVEL'],
  githubWebhookSecret: ['ATRIUM_GITHUB_WEBHOOK_SECRET'],
  productionEnvironments: ['ATRIUM_PRODUCTION_ENVIRONMENTS'],
  externalRefs: ['ATRIUM_CATALOG_EXTERNAL_REFS'],
};

function configError(message: string, hint: string): AtriumError {
  return new AtriumError({ category: 'operator-fixable', code: 'config-invalid', message, hint });
}

function readConfigFile(cwd: string): Partial<Config> {
  let text: string;
  try {
    text = readFileSync(join(cwd, 'atrium.yaml'), 'utf8');
  } catch (err) {
    // No atrium.yaml is fine; one that exists but cannot be read is a configuration problem.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {};
    throw configError(
      `atrium.yaml cannot be read: ${code ?? (err as Error).message}`,
      'Make atrium.yaml a readable file, or remove it.',
    );
  }
  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: 10 }) ?? {};
  } catch (err) {
    throw configError(
      `atrium.yaml is not valid YAML: ${(err as Error).message.split('\n')[0]}`,
      'Fix the syntax of atrium.yaml or remove it.',
    );
  }
  const result = fileSchema.safeParse(raw);
  if (!result.success) {
    const first = result.error.issues[0];
    throw configError(
      `atrium.yaml: ${first?.path.join('.') || 'root'}: ${first?.message}`,
      'See the configuration section of the user guide for the allowed keys.',
    );
  }
  const { catalog, ...rest } = result.data;
  if (typeof catalog !== 'object') return { ...rest, ...(catalog === undefined ? {} : { catalog }) };
  return {
    ...rest,
    ...(catalog.path === undefined ? {} : { catalog: catalog.path }),
    ...(catalog.externalRefs === undefined ? {} : { externalRefs: catalog.externalRefs }),
  };
}

function readEnv(env: NodeJS.ProcessEnv): Partial<Config> {
  const out: Partial<Config> = {};
  for (const [key, names] of Object.entries(envNames) as [keyof Config, string[]][]) {
    const name = names.find((n) => env[n] !== undefined && env[n] !== '');
    if (!name) continue;
    const value = env[name] as string;
    if (key === 'port' || key === 'maxFileBytes') {
      if (!/^\d+$/.test(value))
        throw configError(`${name}=${value} is not a whole number`, `Set ${name} to a number, or unset it.`);
      out[key] = Number(value);
    } else if (key === 'productionEnvironments' || key === 'externalRefs') {
      out[key] = value.split(',').map((v) => v.trim());
    } else {
      out[key] = value;
    }
    // The same rules as atrium.yaml (port range, log levels, minimum file size).
    const checked = (key === 'externalRefs' ? externalRefPatterns : fileSchema.shape[key]).safeParse(out[key]);
    if (!checked.success) {
      // A secret never goes into an error message (they end up in logs and CI output).
      throw configError(
        `${name}=${key === 'githubWebhookSecret' ? '(hidden)' : value}: ${checked.error.issues[0]?.message ?? 'invalid value'}`,
        `Set ${name} to a valid value (see the configuration section of the user guide), or unset it.`,
      );
    }
  }
  return out;
}

export function loadConfig(
  overrides: Partial<Config> = {},
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): Config {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<Config>;
  return { ...DEFAULTS, ...readConfigFile(cwd), ...readEnv(env), ...defined };
}

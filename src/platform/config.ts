import { readFileSync } from 'node:fs';
import { ENVIRONMENT_NAME, ENVIRONMENT_NAME_RULE } from './environment-name.ts';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { QUIET_YAML, yamlWarnings } from './yaml-warnings.ts';
import { z } from 'zod';
import { AtriumError } from './errors.ts';

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
}

export const DEFAULTS: Config = {
  catalog: '.',
  database: '.atrium/atrium.db',
  port: 7400,
  host: '127.0.0.1',
  // The catalog's default (catalog/files.ts, which platform/ may not import): real catalogs hold 9 MB files.
  maxFileBytes: 16 * 1024 * 1024,
  logLevel: 'info',
  githubWebhookSecret: undefined,
  productionEnvironments: ['production'],
};

const fileSchema = z.strictObject({
  catalog: z.string().min(1).optional(),
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
  const lines = new LineCounter();
  try {
    const doc = parseDocument(text, { ...QUIET_YAML, lineCounter: lines, prettyErrors: false });
    const [syntax] = doc.errors;
    if (syntax) throw syntax;
    // A settings file the YAML library has doubts about (a list as a key, an unknown tag) is not read by guesswork.
    const [warning] = yamlWarnings(doc);
    if (warning) throw new Error(`line ${lines.linePos(warning.offset).line}: ${warning.message}`);
    raw = doc.toJS({ maxAliasCount: 10 }) ?? {};
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
  return result.data;
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
    } else if (key === 'productionEnvironments') {
      out[key] = value.split(',').map((v) => v.trim());
    } else {
      out[key] = value;
    }
    // The same rules as atrium.yaml (port range, log levels, minimum file size).
    const checked = fileSchema.shape[key].safeParse(out[key]);
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

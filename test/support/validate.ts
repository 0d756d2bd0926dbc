import assert from 'node:assert/strict';
import type { CommandIO } from '../../src/cli/io.ts';
import { main } from '../../src/main.ts';

/** A problem as `atrium validate --format json` reports it. */
export interface ValidateProblem {
  file: string;
  line: number;
  column: number;
  code: string;
  message: string;
  entityRef?: string;
}

/** `atrium validate DIR --format json`, run in-process: its exit code and report (nothing may go to stderr). */
export async function validateJson(
  dir: string,
): Promise<{ code: number; entities: number; errors: ValidateProblem[]; warnings: ValidateProblem[] }> {
  let out = '';
  let err = '';
  const io: CommandIO = { out: (t) => void (out += t), err: (t) => void (err += t), env: {}, cwd: dir };
  const code = await main(['validate', dir, '--format', 'json'], io);
  assert.equal(err, '', err);
  return {
    code,
    ...(JSON.parse(out) as { entities: number; errors: ValidateProblem[]; warnings: ValidateProblem[] }),
  };
}

/** The 1-based `line:column` where `needle` first appears in `text`. */
export function positionOf(text: string, needle: string): string {
  const lines = text.slice(0, text.indexOf(needle)).split('\n');
  return `${lines.length}:${(lines.at(-1)?.length ?? 0) + 1}`;
}

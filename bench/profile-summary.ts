/**
 * Summaries for the diagnostics catalog-bench writes with --profile DIR:
 *   - a V8 .cpuprofile (node --cpu-prof): self time by package / file and by function, and
 *     time attributed to the innermost product frame (src/...) on the stack, so library time
 *     (yaml, kysely, better-sqlite3) is charged to the product function that called it;
 *   - a SQL timing file written by bench/sql-timing.ts: time per statement shape.
 *
 *   node --import tsx bench/profile-summary.ts FILE.cpuprofile|FILE.sql.json [--top N] [--from S] [--to S]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { SqlTiming } from './sql-timing.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (nm) return `${nm[1]}/${nm[2]}`;
  const src = /\/((?:src|bench|bin|dist\/cli)\/.*)$/.exec(url);
  if (src?.[1]) return src[1];
  return url.replace(/^file:\/\//, '');
}

function packageOf(url: string): string {
  if (url === '') return '(native / VM)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (nm?.[1]) return nm[1];
  if (url.startsWith('node:')) return 'node internals';
  const src = /\/((?:src|bench|bin|dist\/cli)\/.*)$/.exec(url);
  return src?.[1] ?? url;
}

// The CLI bundle (dist/cli, scripts/build-cli.js) is product code too: its functions keep their names, in chunk files.
const isProduct = (url: string) =>
  (/\/src\/.*\.tsx?$/.test(url) || /\/dist\/cli\/[^/]+\.js$/.test(url)) && !url.includes('node_modules');

function table(rows: [string, number][], totalMs: number, top: number): string {
  return rows
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(
      ([label, us]) =>
        `  ${(us / 1000).toFixed(0).padStart(7)} ms ${((us / 1000 / totalMs) * 100).toFixed(1).padStart(5)}%  ${label}`,
    )
    .join('\n');
}

/**
 * `window` limits the summary to samples taken between `from` and `to` seconds after the
 * profile started (e.g. only the load phase of a server's life).
 */
export function summarizeProfile(file: string, top = 20, window: { from?: number; to?: number } = {}): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<number, number>();
  const fromUs = (window.from ?? 0) * 1e6;
  const toUs = (window.to ?? Infinity) * 1e6;
  let at = 0;
  let inWindowUs = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < fromUs || at > toUs) return;
    inWindowUs += delta;
    self.set(id, (self.get(id) ?? 0) + delta);
  });
  const totalMs = inWindowUs / 1000;

  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const byProductFrame = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url } = node.callFrame;
    add(byPackage, packageOf(url), us);
    add(byFunction, `${functionName || '(anonymous)'}  ${shortUrl(url)}`, us);
    let cursor: number | undefined = id;
    let owner = '(no product frame: startup, GC, idle)';
    while (cursor !== undefined) {
      const frame = byId.get(cursor);
      if (frame && isProduct(frame.callFrame.url)) {
        owner = `${frame.callFrame.functionName || `(anonymous @col ${frame.callFrame.columnNumber})`}  ${shortUrl(frame.callFrame.url)}`;
        break;
      }
      cursor = parent.get(cursor);
    }
    if (functionName === '(garbage collector)' || functionName === '(idle)' || functionName === '(program)')
      owner = functionName;
    add(byProductFrame, owner, us);
  }
  return [
    `profile ${file}: ${(totalMs / 1000).toFixed(2)} s` +
      (window.from !== undefined || window.to !== undefined
        ? ` (samples from ${window.from ?? 0} s to ${window.to ?? 'the end'} of ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s)`
        : ''),
    ' self time by package:',
    table([...byPackage], totalMs, top),
    ' self time by function:',
    table([...byFunction], totalMs, top),
    ' time charged to the innermost product (src/, or the CLI bundle dist/cli/) frame on the stack:',
    table([...byProductFrame], totalMs, top),
  ].join('\n');
}

export function summarizeSql(file: string, top = 15): string {
  const rows = JSON.parse(readFileSync(file, 'utf8')) as SqlTiming[];
  const total = rows.reduce((sum, r) => sum + r.totalMs, 0);
  return [
    `SQL ${file}: ${(total / 1000).toFixed(2)} s in ${rows.reduce((n, r) => n + r.calls, 0)} driver calls`,
    ...rows
      .slice(0, top)
      .map(
        (r) => `  ${r.totalMs.toFixed(0).padStart(7)} ms ${String(r.calls).padStart(6)}x  ${r.statement.slice(0, 130)}`,
      ),
  ].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values, positionals } = parseArgs({
    options: { top: { type: 'string', default: '20' }, from: { type: 'string' }, to: { type: 'string' } },
    allowPositionals: true,
  });
  const top = Number(values.top);
  const window = {
    from: values.from === undefined ? undefined : Number(values.from),
    to: values.to === undefined ? undefined : Number(values.to),
  };
  for (const file of positionals) {
    process.stdout.write(
      `${file.endsWith('.cpuprofile') ? summarizeProfile(file, top, window) : summarizeSql(file, top)}\n\n`,
    );
  }
}

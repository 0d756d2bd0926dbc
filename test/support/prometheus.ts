import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * A real Prometheus (Debian's package) on a free loopback port, for the SLO tests and the
 * benchmark: optionally backfilled with exact samples (promtool's OpenMetrics import, so
 * burn rates over days are known in advance) and scraping loopback targets each second.
 */

export const PROMETHEUS_BINARY = process.env.ATRIUM_PROMETHEUS ?? '/usr/bin/prometheus';
export const PROMTOOL_BINARY = process.env.ATRIUM_PROMTOOL ?? '/usr/bin/promtool';

/** Why the Prometheus tests cannot run here, or undefined when they can. */
export function prometheusMissing(): string | undefined {
  for (const binary of [PROMETHEUS_BINARY, PROMTOOL_BINARY])
    if (!existsSync(binary)) return `${binary} is missing (install Debian's prometheus package; .ci/run does)`;
  return undefined;
}

const run = promisify(execFile);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface StartedPrometheus {
  url: string;
  /** The process, for a test that kills it mid-evaluation. */
  process: ChildProcess;
  /** Kills it at once (no shutdown), as a crash or a cut network would. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** OpenMetrics text (ending in `# EOF`) written into blocks before the start. */
  backfill?: string;
  /** `host:port` targets scraped each second. */
  targets?: readonly string[];
}

/** Starts Prometheus and waits (at most 200 readiness checks, 100 ms apart) until it answers ready. */
export async function startPrometheus(options: PrometheusOptions = {}): Promise<StartedPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'atrium-prometheus-'));
  const data = join(dir, 'data');
  if (options.backfill !== undefined) {
    const file = join(dir, 'backfill.om');
    writeFileSync(file, options.backfill);
    // One block per 800 h instead of one per 2 h: 2 s instead of minutes for a month of samples.
    await run(PROMTOOL_BINARY, ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=800h', file, data]);
  }
  const targets = options.targets ?? [];
  const config = [
    'global: {scrape_interval: 1s, evaluation_interval: 1s}',
    'scrape_configs:',
    `  - job_name: test`,
    `    static_configs: [{targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]}]`,
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const child = spawn(
    PROMETHEUS_BINARY,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${data}`,
      // Backfilled months must not be deleted as old on start.
      '--storage.tsdb.retention.time=100y',
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) {
      cleanup();
      throw new Error(`prometheus exited (${child.exitCode}): ${stderr}`);
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (attempt >= 200) {
      child.kill('SIGKILL');
      await exited;
      cleanup();
      throw new Error(`prometheus did not become ready: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    process: child,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      cleanup();
    },
  };
}

/** Asks Prometheus an instant query and answers its vector's first value (undefined when empty). */
export async function instantValue(url: string, query: string, time?: number): Promise<number | undefined> {
  const params = new URLSearchParams({ query, ...(time === undefined ? {} : { time: String(time) }) });
  const answer = (await (await fetch(`${url}/api/v1/query?${params}`)).json()) as {
    data: { result: { value: [number, string] }[] };
  };
  const first = answer.data.result[0];
  return first ? Number(first.value[1]) : undefined;
}

import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../platform/ts-worker.ts';
import type { Logger } from '../platform/log.ts';
import type { CatalogRoot } from './files.ts';
import { kindModules } from './kinds.ts';
import { parseFile, type FileParse, type FileParser, type ParseJob } from './load.ts';

/**
 * Parses catalog files on worker threads when there are many to parse (a cold sync),
 * and inline when there are few (an edit: starting workers would cost more than it
 * saves). YAML parsing is most of a cold sync's CPU, and it parallelises per file.
 */
export class ParsePool {
  /** Fewer files than this, queued at once, are parsed inline. */
  static readonly MIN_BATCH = 16;

  private readonly queue: { job: ParseJob; resolve: (r: FileParse) => void; reject: (e: Error) => void }[] = [];
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<
    Worker,
    { id: number; job: ParseJob; resolve: (r: FileParse) => void; reject: (e: Error) => void }
  >();
  private workers: Worker[] = [];
  private scheduled = false;
  private failed = false;
  private nextId = 0;

  constructor(
    private readonly root: CatalogRoot,
    private readonly logger?: Logger,
    private readonly size = Math.max(1, Math.min(4, availableParallelism())),
  ) {}

  readonly parser: FileParser = (_root, job) =>
    new Promise<FileParse>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.schedule();
    });

  /** How many worker threads are running (0 until a batch was big enough). */
  get workerCount(): number {
    return this.workers.length;
  }

  /** Stops the workers; safe to call when none were started. */
  async close(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Let the walk queue its whole prefetch window first, then decide.
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    if (this.workers.length === 0 && (this.failed || this.queue.length < ParsePool.MIN_BATCH)) {
      for (const { job, resolve, reject } of this.queue.splice(0)) parseFile(this.root, job).then(resolve, reject);
      return;
    }
    if (this.workers.length === 0) this.start();
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop() as Worker;
      const { job, resolve, reject } = this.queue.shift() as (typeof this.queue)[number];
      const id = this.nextId++;
      this.busy.set(worker, { id, job, resolve, reject });
      // The worker judges a file's age by the sync's clock, not its own: an injected clock holds there too.
      worker.postMessage({ id, job, now: this.root.now() });
    }
  }

  private start(): void {
    for (let i = 0; i < this.size; i++) {
      const worker = startTsWorker(
        WORKER_ENTRY,
        {
          rootDir: this.root.dir,
          maxFileBytes: this.root.maxFileBytes,
          urls: this.root.urls,
          kindModules: kindModules(),
        },
        PARSE_WORKER_LIMITS,
      );
      worker.unref();
      worker.on('message', (message: { ready?: true; id?: number; result?: FileParse; error?: string }) => {
        if (message.ready) {
          this.idle.push(worker);
          this.drain();
          return;
        }
        const task = this.busy.get(worker);
        if (!task || task.id !== message.id) return;
        this.busy.delete(worker);
        this.idle.push(worker);
        if (message.error !== undefined) task.reject(new Error(message.error));
        else task.resolve(message.result as FileParse);
        this.drain();
      });
      worker.on('error', (err) => this.fail(worker, err));
      worker.on('exit', (code) => {
        if (this.workers.includes(worker)) this.fail(worker, new Error(`parse worker exited with code ${code}`));
      });
      this.workers.push(worker);
    }
  }

  /** A worker that dies puts its job back in the queue; with no workers left, parsing goes inline. */
  private fail(worker: Worker, err: Error): void {
    if (!this.workers.includes(worker)) return;
    this.logger?.warn({ component: 'catalog-parse', err }, 'a parse worker failed; its files are parsed elsewhere');
    const task = this.busy.get(worker);
    this.busy.delete(worker);
    this.workers = this.workers.filter((w) => w !== worker);
    const idle = this.idle.indexOf(worker);
    if (idle !== -1) this.idle.splice(idle, 1);
    if (task) this.queue.unshift({ job: task.job, resolve: task.resolve, reject: task.reject });
    if (this.workers.length === 0) this.failed = true;
    void worker.terminate();
    this.drain();
  }
}

/**
 * A parse makes a file's worth of short-lived YAML nodes at a time: a young generation
 * bigger than V8's default scavenges less often and promotes less of them (parsing 200
 * files of the 50,000-entity benchmark catalog on one thread took about 13% less CPU with
 * 64 MB semi-spaces). The workers live for one sync, so the memory goes with them.
 */
const PARSE_WORKER_LIMITS = { maxYoungGenerationSizeMb: 96 };

/** The worker's entry (startTsWorker runs it from the sources or the CLI bundle). */
const WORKER_ENTRY = new URL('./parse-worker.ts', import.meta.url);

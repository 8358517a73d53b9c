import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import ts from 'typescript';
import { REPO_ROOT } from '../../tests/support/repo';
import type { BenchJobResult } from './bullmq-worker';
import { Fleet, FleetMember, RoundOutcome } from './fleet';

export interface BullmqFleetOptions {
  readonly redisUrl: string;
  /** Base URL of the Messages API the workers call. */
  readonly apiBaseUrl: string;
  /** The Messages API body to send for every job, without its messages: the one a Hive agent sends. */
  readonly request: Record<string, unknown>;
}

const QUEUE = 'bench';
const SPARE_QUEUE = 'bench-spare';

/**
 * The worker compiled once to plain JavaScript beside the repository's node_modules. Run
 * through tsx instead, each worker would compile itself at start and keep an esbuild
 * service beside it: start time and memory the agents, run from dist, do not pay.
 */
function compiledWorker(): string {
  const source = readFileSync(join(__dirname, 'bullmq-worker.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  const dir = join(REPO_ROOT, '.bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'bullmq-worker.cjs');
  writeFileSync(file, outputText);
  return file;
}

/** Worker processes of scripts/bench/bullmq-worker.ts on one queue, one job at a time each. */
export class BullmqFleet implements Fleet {
  readonly name = 'bullmq';
  private readonly workers: ChildProcess[] = [];
  private readonly queue: Queue<{ instructions: string }, BenchJobResult>;
  private readonly workerFile = compiledWorker();
  private closing?: Promise<void>;

  constructor(private readonly options: BullmqFleetOptions) {
    const redis = new URL(options.redisUrl);
    this.queue = new Queue(QUEUE, { connection: { host: redis.hostname, port: Number(redis.port), maxRetriesPerRequest: null } });
  }

  async spawn(name: string, spare = false): Promise<FleetMember> {
    const child = spawn(process.execPath, [this.workerFile], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        REDIS_URL: this.options.redisUrl,
        BENCH_QUEUE: spare ? SPARE_QUEUE : QUEUE,
        ANTHROPIC_BASE_URL: this.options.apiBaseUrl,
        ANTHROPIC_API_KEY: 'sk-ant-test-key-0123456789',
        BENCH_REQUEST: JSON.stringify(this.options.request),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.workers.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const readyAt = new Promise<number>((resolve, reject) => {
      let stdout = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const ready = /^ready (\d+)$/m.exec(stdout);
        if (ready) resolve(Number(ready[1]));
      });
      child.once('exit', (code, signal) => reject(new Error(`BullMQ worker ${name} exited (${code ?? signal}): ${stderr}`)));
    });
    // A worker killed before anyone waits for it must not become an unhandled rejection.
    readyAt.catch(() => undefined);
    return {
      pid: child.pid!,
      ready: (timeoutMs) => Promise.race([readyAt, rejectAfter(timeoutMs, `BullMQ worker ${name} ready`)]),
      stop: () => stopWorker(child),
    };
  }

  async enqueue(taskIds: readonly string[]): Promise<void> {
    // The job id is the task id, so a round's jobs are found by prefix as Hive's tasks are.
    await this.queue.addBulk(taskIds.map((id) => ({ name: 'task', data: { instructions: 'x' }, opts: { jobId: id } })));
  }

  async finished(): Promise<number> {
    const counts = await this.queue.getJobCounts('completed', 'failed');
    return counts.completed + counts.failed;
  }

  async outcome(prefix: string): Promise<RoundOutcome> {
    const jobs = (await this.queue.getJobs(['completed', 'failed'], 0, -1)).filter((job) => job.id?.startsWith(prefix));
    const succeeded = jobs.filter((job) => job.finishedOn !== undefined && job.returnvalue?.startedAt !== undefined && !job.failedReason);
    return {
      timings: succeeded.map((job) => ({ taskId: job.id!, dispatchMs: job.returnvalue.startedAt - job.timestamp, completionMs: job.finishedOn! - job.timestamp })),
      failed: jobs.length - succeeded.length,
    };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const worker of this.workers) {
        try {
          await stopWorker(worker);
        } catch (error) {
          console.error(`stopping BullMQ worker ${worker.pid}:`, error);
        }
      }
      try {
        await this.queue.close();
      } catch (error) {
        console.error('closing the BullMQ queue:', error);
      }
    })();
    return this.closing;
  }
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

function rejectAfter(ms: number, what: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms).unref());
}

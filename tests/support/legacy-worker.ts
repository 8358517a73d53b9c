import { ChildProcess, spawn } from 'node:child_process';
import Redis from 'ioredis';
import { REPO_ROOT } from './repo';

/**
 * The old system's worker, as it ran: BRPOP the list, do the task, mark it
 * done. "Done" is a count per task id in a hash, so a task done twice shows.
 */
const WORKER = `
const Redis = require('ioredis');
const [url, list, done] = process.argv.slice(1);
const redis = new Redis(url);
let stopping = false;
process.on('SIGTERM', () => (stopping = true));
(async () => {
  while (!stopping) {
    const taken = await redis.brpop(list, 1);
    if (taken) await redis.hincrby(done, JSON.parse(taken[1]).id, 1);
  }
  redis.disconnect();
})();
`;

/** A legacy stand-in in its own process. */
export class LegacyWorker {
  private constructor(
    private readonly child: ChildProcess,
    readonly doneKey: string,
  ) {}

  static start(redisUrl: string, list: string, doneKey = 'oldsystem:done'): LegacyWorker {
    const child = spawn(process.execPath, ['-e', WORKER, redisUrl, list, doneKey], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    return new LegacyWorker(child, doneKey);
  }

  /** Task id -> times the old system did it. */
  async done(redis: Redis): Promise<Record<string, number>> {
    return Object.fromEntries(Object.entries(await redis.hgetall(this.doneKey)).map(([id, count]) => [id, Number(count)]));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

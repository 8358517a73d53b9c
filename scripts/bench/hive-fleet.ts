import { rmSync } from 'node:fs';
import { hiveKeys } from '../../agent-runtime/src/contract';
import { AgentProcess } from '../../tests/support/agent-process';
import { enqueue, results } from '../../tests/support/hive-streams';
import { RedisServer } from '../../tests/support/redis-server';
import { Fleet, FleetMember, RoundOutcome, TaskTiming } from './fleet';

export interface HiveFleetOptions {
  readonly redis: RedisServer;
  /** Base URL of the Messages API the agents call. */
  readonly apiBaseUrl: string;
}

const entryMs = (entryId: string) => Number(entryId.split('-')[0]);

/**
 * Developer agents started through the real entry point (agent-runtime/dist/main.js), one task
 * at a time each. Times come from Redis entry ids (enqueue, result) and the agents' logs
 * (pick-up), all at 1 ms resolution.
 */
export class HiveFleet implements Fleet {
  readonly name = 'hive';
  private readonly agents: AgentProcess[] = [];
  private readonly client: ReturnType<RedisServer['client']>;
  private readonly keys = hiveKeys();
  private closing?: Promise<void>;

  constructor(private readonly options: HiveFleetOptions) {
    this.client = options.redis.client();
  }

  async spawn(name: string, spare = false): Promise<FleetMember> {
    const agent = await AgentProcess.start({
      // No task goes to qa: a spare agent starts and idles without joining the developers' group.
      HIVE_ROLE: spare ? 'qa' : 'developer',
      HIVE_CONCURRENCY: '1',
      // The runtime's default, not the tests' fast claim timeout: reclaim rounds at test pace cost CPU per task.
      HIVE_CLAIM_IDLE_MS: '60000',
      POD_NAME: name,
      REDIS_URL: this.options.redis.url,
      ANTHROPIC_BASE_URL: this.options.apiBaseUrl,
    });
    this.agents.push(agent);
    return {
      pid: agent.process.pid!,
      ready: async (timeoutMs) => {
        await agent.waitForReadiness(200, timeoutMs);
        return Date.parse(String((await agent.waitForLog('ready', timeoutMs)).time));
      },
      stop: () => stopAgent(agent),
    };
  }

  async enqueue(taskIds: readonly string[]): Promise<void> {
    // ioredis writes each command as it is issued, so a batch goes out as one pipeline.
    await Promise.all(taskIds.map((id) => enqueue(this.client, 'developer', id, { instructions: 'x' })));
  }

  async finished(): Promise<number> {
    return this.client.xlen(this.keys.results);
  }

  async outcome(prefix: string): Promise<RoundOutcome> {
    // A reclaimed task starts twice; its first pick-up is the dispatch.
    const startedAt = new Map<string, { time: number; entryId: string }>();
    for (const line of this.agents.flatMap((a) => a.logs)) {
      const taskId = String(line.taskId);
      if (line.event !== 'task started' || !taskId.startsWith(prefix)) continue;
      const time = Date.parse(String(line.time));
      if ((startedAt.get(taskId)?.time ?? Infinity) > time) startedAt.set(taskId, { time, entryId: String(line.entryId) });
    }
    const finished = (await results(this.client, this.keys)).filter((r) => r.taskId.startsWith(prefix));
    const timings: TaskTiming[] = finished
      .filter((r) => r.status === 'succeeded' && startedAt.has(r.taskId))
      .map((r) => {
        const started = startedAt.get(r.taskId)!;
        return { taskId: r.taskId, dispatchMs: started.time - entryMs(started.entryId), completionMs: entryMs(r.entryId) - entryMs(started.entryId) };
      });
    return { timings, failed: finished.length - timings.length };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const agent of this.agents) {
        try {
          await stopAgent(agent);
        } catch (error) {
          console.error(`stopping agent ${agent.env.POD_NAME}:`, error);
        }
      }
      this.client.disconnect();
    })();
    return this.closing;
  }
}

async function stopAgent(agent: AgentProcess): Promise<void> {
  await agent.stop();
  rmSync(agent.env.HIVE_WORKSPACE_DIR, { recursive: true, force: true });
}

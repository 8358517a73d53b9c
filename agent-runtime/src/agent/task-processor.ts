import { ReplyError } from 'ioredis';
import { join } from 'node:path';
import { AgentRole, ENV } from '../contract';
import { Logger, redact } from '../log/logger';
import { AgentMetrics, ReleaseReason } from '../metrics/agent-metrics';
import { MalformedTaskError } from '../queue/malformed-task-error';
import { parseTaskEntry, Task, TASK_ID } from '../queue/task-entry';
import { TaskContext } from '../queue/task-consumer';
import { TaskLostError } from '../queue/task-lost-error';
import { Delivery, TaskQueue } from '../queue/task-queue';
import { resultWithoutTurns, TaskResult } from '../queue/task-result';
import { SandboxUnavailableError } from '../sandbox/sandbox-unavailable-error';
import { Workspace } from '../tools/workspace';
import { LlmCircuitBreaker } from './llm-circuit-breaker';
import { LlmUnavailableError } from './llm-errors';
import { SandboxSettings, SandboxTask } from './sandbox-task';
import { parseCheckpoint, TaskCheckpoint } from './task-checkpoint';
import { TaskRunner, TurnProgress } from './task-runner';

const LOST_EVENT = 'task lost to another agent; stopped without publishing';

export interface TaskProcessorOptions {
  readonly role: AgentRole;
  /** Per-task directories are made below it. */
  readonly workspaceDir: string;
  /** Deliveries (crashes mid-task and the task's own failures) after which a task is dead-lettered. */
  readonly maxDeliveries: number;
  /** Largest checkpoint stored. */
  readonly checkpointMaxBytes: number;
  /** How long a checkpoint is kept. */
  readonly checkpointTtlSeconds: number;
  /** How long a released entry has been idle, so the next reclaim round takes it. */
  readonly claimIdleMs: number;
  /** Credentials that must not leave the process in a result. */
  readonly secrets: readonly string[];
  /** The sandbox sidecar, when this agent has one: tasks then run commands and take repositories. */
  readonly sandbox?: SandboxSettings;
}

/**
 * The pipeline of one delivered task: validate, skip if done, resume from its
 * checkpoint, run the tool loop with a checkpoint after every turn, publish
 * the one result. A fault outside the task (the API unavailable, shutdown)
 * gives the task back without counting the delivery; a lost task stops
 * without publishing.
 */
export class TaskProcessor {
  constructor(
    private readonly queue: TaskQueue,
    private readonly runner: TaskRunner,
    private readonly breaker: LlmCircuitBreaker,
    private readonly metrics: AgentMetrics,
    private readonly logger: Logger,
    private readonly options: TaskProcessorOptions,
  ) {}

  readonly handle = async (delivery: Delivery, context: TaskContext): Promise<Delivery[]> => {
    let task: Task;
    try {
      task = parseTaskEntry(this.options.role, delivery);
    } catch (error) {
      if (!(error instanceof MalformedTaskError)) throw error;
      await this.deadLetter(delivery, `malformed task: ${error.message}`);
      return [];
    }
    const logger = this.logger.child({ taskId: task.id, entryId: task.entryId });
    const begun = delivery.start ?? (await this.queue.begin(task.entryId, task.id));
    if (begun.done) {
      logger.info('task already has a result; acknowledged without processing');
      return [];
    }
    if (delivery.deliveries > this.options.maxDeliveries) {
      await this.deadLetter(delivery, `delivered ${delivery.deliveries} times (limit ${this.options.maxDeliveries}) without a result`, task.id);
      return [];
    }
    // Delivered again although released deliveries do not count: its agent died mid-task.
    if (delivery.reclaimed && delivery.deliveries > 1) this.metrics.orchestratorError('crash_reclaimed');
    const checkpoint = parseCheckpoint(begun.checkpoint);
    if (checkpoint) this.metrics.tasksResumed.inc({ role: this.options.role });
    logger.info('task started', { deliveries: delivery.deliveries, reclaimed: delivery.reclaimed, resumedAfterTurn: checkpoint?.turns ?? 0 });

    const started = Date.now();
    const sandboxTask = this.options.sandbox ? new SandboxTask(this.options.sandbox, this.options.workspaceDir) : undefined;
    const workspace = sandboxTask?.workspace ?? Workspace.at(join(this.options.workspaceDir, `${task.id.replace(/[^\w.-]/g, '_')}-${task.entryId}`));
    try {
      const result = await this.work(task, workspace, sandboxTask, checkpoint, logger, context.signal);
      const { lost, next } = await this.queue.complete(task.entryId, task.id, result, context.fetchNext());
      if (lost) {
        // Taken over while the last turn ran (this agent could not renew in time): the new owner publishes.
        this.metrics.orchestratorError('lost');
        logger.warn(LOST_EVENT);
        return next;
      }
      this.metrics.taskFinished(result.status, (Date.now() - started) / 1000, result.reason);
      logger.info(`task ${result.status}`, { turns: result.output.turns, usage: result.output.usage, error: result.output.error });
      await this.breaker.recordSuccess();
      return next;
    } catch (error) {
      return this.stopped(task, error, context.signal, logger, sandboxTask?.prepared ?? false);
    } finally {
      await (sandboxTask ? sandboxTask.close() : workspace.remove()).catch((error) => logger.warn('workspace not removed', { error: (error as Error).message }));
    }
  };

  private async work(task: Task, workspace: Workspace, sandboxTask: SandboxTask | undefined, checkpoint: TaskCheckpoint | undefined, logger: Logger, signal: AbortSignal): Promise<TaskResult> {
    if (!sandboxTask && task.payload.repo) {
      return resultWithoutTurns('failed', `payload.repo: the ${this.options.role} agents have no sandbox to clone into (${ENV.sandboxSocket} is not set)`, 'repository');
    }
    const problem = await sandboxTask?.prepare(task.payload);
    if (problem) return resultWithoutTurns('failed', problem, 'repository');
    const seedError = await seed(workspace, {
      text: { ...task.payload.files, ...checkpoint?.files },
      binary: { ...task.payload.binaryFiles, ...checkpoint?.binaryFiles },
    });
    if (seedError) return resultWithoutTurns('failed', `payload.files: ${seedError}`, 'workspace');
    const ran = await this.runner.run(task, workspace, logger, signal, {
      resume: checkpoint,
      commands: sandboxTask?.commands(this.metrics, checkpoint?.commands),
      canceled: () => this.queue.cancelRequested(task.id),
      // A turn that came back closes the breaker at once: a probe task may run for many more turns.
      onTurn: async (next, progress) => {
        await this.breaker.recordSuccess();
        return this.afterTurn(task, next, progress, logger);
      },
    });
    const outcome = sandboxTask ? await sandboxTask.deliver(task.payload, ran) : ran;
    // An API error may quote a credential; results are read by producers and kept for long.
    const error = outcome.output.error;
    return error ? { ...outcome, output: { ...outcome.output, error: redact(error, this.options.secrets) } } : outcome;
  }

  /** Saves the checkpoint and publishes the turn's progress; answers whether the task was canceled. */
  private async afterTurn(task: Task, checkpoint: TaskCheckpoint, progress: TurnProgress, logger: Logger): Promise<{ canceled: boolean }> {
    let data: string | undefined = JSON.stringify(checkpoint);
    if (Buffer.byteLength(data) > this.options.checkpointMaxBytes) {
      logger.warn('checkpoint skipped: too large; the task would resume from an earlier turn', { turn: checkpoint.turns, bytes: Buffer.byteLength(data) });
      data = undefined;
    }
    const event = { ...progress, text: checkpoint.text, at: new Date().toISOString() };
    const { lost, canceled } = await this.queue.afterTurn(task.entryId, task.id, data, event, this.options.checkpointTtlSeconds);
    if (lost) throw new TaskLostError(task.entryId);
    return { canceled };
  }

  /**
   * A run that ended without a result: lost, or given back for another agent.
   * Anything else is rethrown. `sandboxAnswered`: the sandbox answered this
   * task, so losing it later happened under the task's own requests (its
   * commands may have killed it) and the delivery counts, or a task that kills
   * every sandbox would go round forever.
   */
  private async stopped(task: Task, error: unknown, signal: AbortSignal, logger: Logger, sandboxAnswered: boolean): Promise<Delivery[]> {
    const lost = error instanceof TaskLostError || signal.reason instanceof TaskLostError;
    if (lost) {
      logger.warn(LOST_EVENT);
      return [];
    }
    const unavailable = error instanceof LlmUnavailableError;
    const sandboxDown = error instanceof SandboxUnavailableError;
    // Redis refused a step (out of memory under noeviction, a replica during failover): not the task's fault.
    const redisRefused = error instanceof ReplyError;
    if (!unavailable && !sandboxDown && !redisRefused && !signal.aborted) throw error;
    const sandboxLost = sandboxDown && sandboxAnswered && !signal.aborted;
    const reason: ReleaseReason = unavailable ? 'llm_unavailable' : sandboxLost ? 'sandbox_lost' : sandboxDown ? 'sandbox_unavailable' : redisRefused ? 'redis' : 'shutdown';
    if (unavailable) await this.breaker.recordOutage();
    await this.queue.release([task.entryId], this.options.claimIdleMs, sandboxLost);
    this.metrics.tasksReleased.inc({ role: this.options.role, reason });
    logger.warn('task released for another delivery', { reason, error: (error as Error).message });
    return [];
  }

  private async deadLetter(delivery: Delivery, reason: string, taskId = validTaskId(delivery)): Promise<void> {
    const written = await this.queue.deadLetter(delivery, reason, taskId, resultWithoutTurns('dead_lettered', reason).output);
    this.metrics.deadLettered();
    if (written) this.metrics.taskFinished('dead_lettered', 0);
    this.logger.warn('task dead-lettered', { entryId: delivery.entryId, taskId: delivery.fields.id, reason, deliveries: delivery.deliveries });
  }
}

/** Writes files into the workspace; returns why it could not, for the task's result. */
async function seed(workspace: Workspace, files: { text: Readonly<Record<string, string>>; binary: Readonly<Record<string, string>> }): Promise<string | undefined> {
  try {
    for (const [path, content] of Object.entries(files.text)) await workspace.writeFile(path, content);
    for (const [path, content] of Object.entries(files.binary)) await workspace.writeFile(path, Buffer.from(content, 'base64'));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The entry's task id when it has a usable one (a malformed entry may not). */
function validTaskId(delivery: Delivery): string | undefined {
  const id = delivery.fields.id;
  return id !== undefined && TASK_ID.test(id) ? id : undefined;
}

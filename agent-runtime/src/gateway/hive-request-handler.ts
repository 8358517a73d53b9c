import { TaskState, taskStateToJSON } from '@a2a-js/sdk';
import type { AgentCard, CancelTaskRequest, GetTaskRequest, ListTasksRequest, ListTasksResponse, Message, SendMessageRequest, StreamResponse, SubscribeToTaskRequest, Task } from '@a2a-js/sdk';
import { ExtendedAgentCardNotConfiguredError, PushNotificationNotSupportedError, RequestMalformedError, TaskNotCancelableError, TaskNotFoundError, UnsupportedOperationError } from '@a2a-js/sdk/errors';
import type { A2ARequestHandler, ServerCallContext } from '@a2a-js/sdk/server';
import { randomUUID } from 'node:crypto';
import { AgentRole, STABLE_TRACK } from '../contract';
import { Logger } from '../log/logger';
import { TrackRouter } from '../routing/track-router';
import { finishedTask, isTerminal, metadataOf, submittedTask, withProgress, workingStatus } from './a2a-task';
import { callerOf, clientOf } from './client-user';
import { EventFollower } from './event-follower';
import { FleetChannel } from './fleet-channel';
import { GatewayMetrics } from './gateway-metrics';
import { BudgetCaps, messageToPayload } from './message-to-payload';
import { TaskHistory } from './task-history';

export interface HiveRequestHandlerDeps {
  readonly card: AgentCard;
  readonly history: TaskHistory;
  readonly channel: FleetChannel;
  /** Picks the track whose stream a new task goes to. */
  readonly router: TrackRouter;
  readonly follower: EventFollower;
  readonly caps: BudgetCaps;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** Aborts open streams and blocking calls when the gateway shuts down. */
  readonly closing: AbortSignal;
  /** How long CancelTask waits for the agent to stop before it answers with the task as it is. @default 10000 */
  readonly cancelWaitMs?: number;
}

/**
 * A2A for one role, over the fleet: a message becomes a task on the role's
 * stream, the task lives in the task history (owner-scoped: another client's
 * task is "not found"), and its progress and result come from Redis, so any
 * gateway replica can answer for any task.
 */
export class HiveRequestHandler implements A2ARequestHandler {
  constructor(
    private readonly role: AgentRole,
    private readonly deps: HiveRequestHandlerDeps,
  ) {}

  async getAgentCard(): Promise<AgentCard> {
    return this.deps.card;
  }

  async getAuthenticatedExtendedAgentCard(): Promise<AgentCard> {
    throw new ExtendedAgentCardNotConfiguredError();
  }

  /** Blocks until the task ends unless `configuration.returnImmediately` (A2A 1.0). */
  async sendMessage(params: SendMessageRequest, context: ServerCallContext): Promise<Message | Task> {
    const task = await this.submit(params, context);
    if (params.configuration?.returnImmediately) return task;
    for await (const _ of this.deps.follower.follow(task.id, '0-0', this.deps.closing, callerOf(context).gone));
    return this.current(task.id, context);
  }

  async *sendMessageStream(params: SendMessageRequest, context: ServerCallContext): AsyncGenerator<StreamResponse> {
    const task = await this.submit(params, context);
    yield { payload: { $case: 'task', value: task } };
    yield* this.updates(task, '0-0', context);
  }

  async *resubscribe(params: SubscribeToTaskRequest, context: ServerCallContext): AsyncGenerator<StreamResponse> {
    const stored = await this.stored(params.id, context);
    // A2A 1.0: an ended task cannot be subscribed to; GetTask returns it.
    if (isTerminal(stored)) throw new UnsupportedOperationError(`task ${stored.id} has ended (${taskStateToJSON(stored.status!.state)}); GetTask returns it`);
    const progress = await this.deps.channel.progress(stored.id);
    yield { payload: { $case: 'task', value: withProgress(stored, progress.turns) } };
    if (progress.done) yield* this.final(stored.id, context);
    else yield* this.updates(stored, progress.lastId, context);
  }

  async getTask(params: GetTaskRequest, context: ServerCallContext): Promise<Task> {
    return withHistoryLength(await this.current(params.id, context), params.historyLength);
  }

  /**
   * The history stores a task as SUBMITTED until it ends, and the running
   * state comes from Redis: a filter on SUBMITTED or WORKING reads the
   * unfinished tasks and keeps those in that state now (a page may then hold
   * fewer than pageSize).
   */
  async listTasks(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    validateListRequest(params);
    const unfinished = params.status === TaskState.TASK_STATE_SUBMITTED || params.status === TaskState.TASK_STATE_WORKING;
    const page = await this.deps.history.store.list(unfinished ? { ...params, status: TaskState.TASK_STATE_SUBMITTED } : params, context);
    const tasks = await Promise.all(page.tasks.map((task) => (isTerminal(task) ? task : this.refresh(task))));
    const wanted = unfinished ? tasks.filter((task) => task.status?.state === params.status) : tasks;
    return { ...page, tasks: wanted.map((task) => withHistoryLength(task, params.historyLength)) };
  }

  /**
   * Asks the agent to stop at its next turn boundary (or the agent that picks
   * the task up to stop before its first call), waits a little for it, and
   * answers with the task as it is then.
   */
  async cancelTask(params: CancelTaskRequest, context: ServerCallContext): Promise<Task> {
    const task = await this.current(params.id, context);
    if (isTerminal(task)) throw new TaskNotCancelableError(`task ${task.id} has already ended (${taskStateToJSON(task.status!.state)})`);
    await this.deps.channel.requestCancel(task.id);
    this.deps.logger.info('cancel requested', { taskId: task.id, client: clientOf(context) });
    // A timer of our own: a timeout signal combined with AbortSignal.any may be collected before it fires (Node 20).
    const waited = new AbortController();
    const timer = setTimeout(() => waited.abort(), this.deps.cancelWaitMs ?? 10_000);
    const onClose = () => waited.abort();
    this.deps.closing.addEventListener('abort', onClose);
    try {
      for await (const _ of this.deps.follower.follow(task.id, '0-0', waited.signal, callerOf(context).gone));
    } finally {
      clearTimeout(timer);
      this.deps.closing.removeEventListener('abort', onClose);
    }
    return this.current(task.id, context);
  }

  async createTaskPushNotificationConfig(): Promise<never> {
    throw new PushNotificationNotSupportedError();
  }

  async getTaskPushNotificationConfig(): Promise<never> {
    throw new PushNotificationNotSupportedError();
  }

  async listTaskPushNotificationConfigs(): Promise<never> {
    throw new PushNotificationNotSupportedError();
  }

  async deleteTaskPushNotificationConfig(): Promise<void> {
    throw new PushNotificationNotSupportedError();
  }

  /** Validates, records, then enqueues: a task the fleet may work on is always in the history first. */
  private async submit(params: SendMessageRequest, context: ServerCallContext): Promise<Task> {
    const client = clientOf(context);
    validateScope(params, context);
    const payload = messageToPayload(params.message, this.deps.caps);
    const id = randomUUID();
    const track = await this.deps.router.fleetTrackFor(this.role);
    const task = submittedTask(id, params.message!.contextId || randomUUID(), params.message!, {
      role: this.role,
      client,
      ...(payload.title ? { title: payload.title } : {}),
      ...(track !== STABLE_TRACK ? { track } : {}),
    });
    await this.deps.history.store.save(task, context);
    try {
      await this.deps.channel.submit(id, this.role, track, payload, client);
    } catch (error) {
      const reason = `the task could not be enqueued: ${(error as Error).message}`;
      await this.deps.history.store.save(finishedTask(task, 'failed', { text: '', files: {}, usage: { input_tokens: 0, output_tokens: 0 }, turns: 0, error: reason }, []), context);
      throw new Error(reason);
    }
    this.deps.metrics.tasks.inc({ role: this.role, client });
    this.deps.logger.info('task accepted', { taskId: id, role: this.role, track, client });
    return task;
  }

  /** Progress as status updates, then the files and the final status. */
  private async *updates(task: Task, fromId: string, context: ServerCallContext): AsyncGenerator<StreamResponse> {
    for await (const event of this.deps.follower.follow(task.id, fromId, this.deps.closing, callerOf(context).gone)) {
      if (event.type === 'turn') yield { payload: { $case: 'statusUpdate', value: workingStatus(task, event.turn) } };
      else yield* this.final(task.id, context);
    }
  }

  private async *final(taskId: string, context: ServerCallContext): AsyncGenerator<StreamResponse> {
    const done = await this.current(taskId, context);
    for (const artifact of done.artifacts) {
      yield { payload: { $case: 'artifactUpdate', value: { taskId, contextId: done.contextId, artifact, append: false, lastChunk: true, metadata: undefined } } };
    }
    yield { payload: { $case: 'statusUpdate', value: { taskId, contextId: done.contextId, status: done.status, metadata: { ...metadataOf(done) } } } };
  }

  private async stored(taskId: string, context: ServerCallContext): Promise<Task> {
    const task = await this.deps.history.store.load(taskId, context);
    if (!task) throw new TaskNotFoundError(`task ${taskId} not found`);
    return task;
  }

  /** The task as it stands: the history's copy, brought up to date from Redis while unfinished. */
  private async current(taskId: string, context: ServerCallContext): Promise<Task> {
    const task = await this.stored(taskId, context);
    return isTerminal(task) ? task : this.refresh(task);
  }

  private async refresh(stored: Task): Promise<Task> {
    const [result, progress] = await Promise.all([this.deps.channel.result(stored.id), this.deps.channel.progress(stored.id)]);
    return result ? finishedTask(stored, result.outcome, result.output, progress.turns) : withProgress(stored, progress.turns);
  }
}

/** What the SDK's own handler checks of a ListTasks request, which the store takes as it comes. */
function validateListRequest(params: ListTasksRequest): void {
  if (params.pageSize !== undefined && !(Number.isInteger(params.pageSize) && params.pageSize >= 1 && params.pageSize <= 100)) {
    throw new RequestMalformedError(`pageSize must be an integer from 1 to 100, got ${params.pageSize}`);
  }
  if (params.historyLength !== undefined && !(Number.isInteger(params.historyLength) && params.historyLength >= 0)) {
    throw new RequestMalformedError(`historyLength must be an integer >= 0, got ${params.historyLength}`);
  }
  if (params.statusTimestampAfter !== undefined && Number.isNaN(Date.parse(params.statusTimestampAfter))) {
    throw new RequestMalformedError(`statusTimestampAfter must be a timestamp, got '${params.statusTimestampAfter}'`);
  }
}

/**
 * Tasks are scoped by the client's token alone: a tenant would file them
 * where the client's other calls do not look. A context id is stored in a
 * 36-character column.
 */
function validateScope(params: SendMessageRequest, context: ServerCallContext): void {
  if (params.tenant || context.tenant) throw new RequestMalformedError('tenants are not used: the token scopes a client\'s tasks; send an empty tenant');
  const contextId = params.message?.contextId ?? '';
  if (contextId && !/^[\w.:-]{1,36}$/.test(contextId)) throw new RequestMalformedError("message.contextId must be 1-36 letters, digits, '_', '.', ':' or '-'");
}

/** A2A's historyLength: the most recent messages only; unset means all. */
function withHistoryLength(task: Task, historyLength: number | undefined): Task {
  return historyLength === undefined ? task : { ...task, history: historyLength === 0 ? [] : task.history.slice(-historyLength) };
}

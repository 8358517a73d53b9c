import Anthropic, { APIConnectionError, APIError } from '@anthropic-ai/sdk';
import type { ContentBlock, Message, MessageParam, Tool, ToolResultBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { Logger } from '../log/logger';
import { AgentMetrics } from '../metrics/agent-metrics';
import { Task } from '../queue/task-entry';
import { EMPTY_USAGE, FailureReason, TaskOutput, TaskResult } from '../queue/task-result';
import { SandboxUnavailableError } from '../sandbox/sandbox-unavailable-error';
import { CommandReport, CommandSession, RUN_COMMAND_TOOL } from '../tools/command-session';
import { FILE_TOOLS, FileToolbox } from '../tools/file-tools';
import { Workspace } from '../tools/workspace';
import { WorkspaceReplacedError } from '../tools/workspace-replaced-error';
import { LlmRequestError, LlmUnavailableError } from './llm-errors';
import { TaskCheckpoint } from './task-checkpoint';

export interface TaskRunnerOptions {
  readonly model: string;
  readonly systemPrompt: string;
  readonly maxTurns: number;
  readonly maxTokens: number;
  /** Output tokens per model call. @default 8192 */
  readonly maxTokensPerCall?: number;
  /** Total bytes of written files carried in a result; the rest is listed in `omitted`. @default 256 KiB */
  readonly maxResultFileBytes?: number;
}

const RETRYABLE = new Set([408, 409, 429]);

/** What one completed turn did, for the task's progress events. */
export interface TurnProgress {
  readonly turn: number;
  /** Names of the tools the model called in this turn. */
  readonly toolCalls: readonly string[];
  /** Tokens of the whole task so far. */
  readonly usage: TaskOutput['usage'];
  /** The commands this turn ran, in order (only with a sandbox). */
  readonly commands?: readonly CommandReport[];
}

/** How a run starts and what happens between turns. */
export interface RunHooks {
  /** Continue from here instead of from the first turn. */
  readonly resume?: TaskCheckpoint;
  /** The task's `run_command` tool; without it the model gets the file tools only. */
  readonly commands?: CommandSession;
  /** Asked before the first call: whether the task was canceled while it waited. */
  readonly canceled?: () => Promise<boolean>;
  /**
   * After every completed turn the task continues from; answers whether the
   * task was canceled meanwhile (the run then ends before its next call).
   * Throwing stops the run (e.g. the task was lost).
   */
  readonly onTurn?: (checkpoint: TaskCheckpoint, progress: TurnProgress) => Promise<{ canceled: boolean }>;
}

const CANCELED = 'canceled by the client';

/**
 * Works on one task with Claude: a tool loop until `end_turn`, bounded by
 * turns and tokens. Tool errors go back to the model; a non-retryable API error
 * fails the task with the API's message and request id.
 */
export class TaskRunner {
  constructor(
    private readonly client: Anthropic,
    private readonly options: TaskRunnerOptions,
    private readonly metrics: AgentMetrics,
    private readonly role: string,
  ) {}

  async run(task: Task, workspace: Workspace, logger: Logger, signal: AbortSignal, hooks: RunHooks = {}): Promise<TaskResult> {
    const { resume, commands } = hooks;
    const tools = commands ? [...FILE_TOOLS, RUN_COMMAND_TOOL] : FILE_TOOLS;
    const toolbox = new FileToolbox(workspace, [...Object.keys(resume?.files ?? {}), ...Object.keys(resume?.binaryFiles ?? {})]);
    const maxTurns = task.payload.budget?.maxTurns ?? this.options.maxTurns;
    const maxTokens = task.payload.budget?.maxTokens ?? this.options.maxTokens;
    const usage = { ...(resume?.usage ?? EMPTY_USAGE) };
    const messages: MessageParam[] = resume ? [...resume.messages] : [{ role: 'user', content: userPrompt(task) }];
    let turns = resume?.turns ?? 0;
    let text = resume?.text ?? '';
    // A replaced directory is not read again: what is there now is not the task's.
    const finish = async (status: TaskResult['status'], error?: string, reason?: FailureReason, files = true): Promise<TaskResult> => ({
      status,
      reason,
      output: {
        text,
        ...(files ? await this.writtenFiles(toolbox) : { files: {} }),
        usage,
        turns,
        ...(commands ? { commands: commands.usage } : {}),
        ...(error ? { error } : {}),
      } satisfies TaskOutput,
    });
    if (await hooks.canceled?.()) return finish('canceled', CANCELED);

    for (;;) {
      if (turns >= maxTurns) return finish('failed', `stopped after ${turns} turns (budget maxTurns ${maxTurns})`, 'budget');
      const spent = usage.input_tokens + usage.output_tokens;
      if (spent >= maxTokens) return finish('failed', `stopped after ${spent} tokens (budget maxTokens ${maxTokens})`, 'budget');

      let response: Message;
      try {
        response = await this.call(messages, tools, Math.min(this.options.maxTokensPerCall ?? 8192, maxTokens - spent), signal);
      } catch (error) {
        if (!(error instanceof LlmRequestError) || signal.aborted) throw error;
        return finish('failed', error.message, error.reason);
      }
      turns++;
      usage.input_tokens += response.usage.input_tokens;
      usage.output_tokens += response.usage.output_tokens;
      const turnText = textOf(response.content);
      if (turnText) text = turnText;
      messages.push({ role: 'assistant', content: response.content });
      logger.debug('model turn', { turn: turns, stopReason: response.stop_reason, inputTokens: response.usage.input_tokens, outputTokens: response.usage.output_tokens });

      const toolCalls = response.content.flatMap((b) => (b.type === 'tool_use' ? [b.name] : []));
      switch (response.stop_reason) {
        case 'end_turn':
        case 'stop_sequence':
          return finish('succeeded');
        case 'tool_use':
          try {
            messages.push({ role: 'user', content: await this.runTools(response.content, toolbox, commands, logger, signal) });
          } catch (error) {
            if (!(error instanceof WorkspaceReplacedError)) throw error;
            logger.warn('task directory replaced by a command; task stopped', { error: error.message });
            return finish('failed', error.message, 'workspace', false);
          }
          break;
        case 'pause_turn':
          // A long server-side turn was paused; sending the conversation back resumes it.
          break;
        case 'max_tokens':
          if (response.content.some((b) => b.type === 'tool_use')) {
            return finish('failed', 'a tool call was cut off at the output token limit', 'tool_cutoff');
          }
          messages.push({ role: 'user', content: 'Your reply was cut off at the output token limit. Continue where you stopped.' });
          break;
        case 'refusal':
          return finish('failed', `the model refused the task${turnText ? `: ${turnText}` : ''}`, 'refusal');
        default:
          return finish('failed', `the model stopped with '${response.stop_reason}'`, 'stopped');
      }
      const { omitted: _none, ...written } = await this.writtenFiles(toolbox, Infinity);
      const checkpoint: TaskCheckpoint = { version: 1, turns, usage: { ...usage }, text, messages: [...messages], ...written, ...(commands ? { commands: commands.usage } : {}) };
      const ran = commands?.takeReports() ?? [];
      const verdict = await hooks.onTurn?.(checkpoint, { turn: turns, toolCalls, usage: { ...usage }, ...(ran.length ? { commands: ran } : {}) });
      if (verdict?.canceled) return finish('canceled', CANCELED);
    }
  }

  /** One Messages API call; the SDK retries 429, 5xx and connection errors with backoff. */
  private async call(messages: MessageParam[], tools: Tool[], maxTokens: number, signal: AbortSignal): Promise<Message> {
    const labels = { role: this.role };
    const stop = this.metrics.llmDuration.startTimer(labels);
    try {
      const response = await this.client.messages.create(
        { model: this.options.model, max_tokens: maxTokens, system: this.options.systemPrompt, tools, messages },
        { signal },
      );
      assertMessage(response);
      this.metrics.llmRequests.inc({ ...labels, status: 'ok' });
      this.metrics.llmTokens.inc({ ...labels, kind: 'input' }, response.usage.input_tokens);
      this.metrics.llmTokens.inc({ ...labels, kind: 'output' }, response.usage.output_tokens);
      return response;
    } catch (error) {
      // Stopped on purpose (shutdown, lost task): neither an API fault nor the task's.
      if (signal.aborted) throw error;
      if (error instanceof APIConnectionError) {
        this.metrics.llmRequests.inc({ ...labels, status: 'connection_error' });
        throw new LlmUnavailableError(`Messages API unreachable: ${error.message}`);
      }
      if (error instanceof APIError) {
        this.metrics.llmRequests.inc({ ...labels, status: String(error.status ?? 'error') });
        const detail = `Messages API error ${error.status}: ${apiMessage(error)} (request id ${error.requestID ?? 'none'})`;
        if (error.status !== undefined && (RETRYABLE.has(error.status) || error.status >= 500)) throw new LlmUnavailableError(detail);
        throw new LlmRequestError(detail, 'api_error');
      }
      this.metrics.llmRequests.inc({ ...labels, status: 'invalid_response' });
      throw new LlmRequestError((error as Error).message, 'invalid_response');
    } finally {
      stop();
    }
  }

  private async runTools(content: ContentBlock[], toolbox: FileToolbox, commands: CommandSession | undefined, logger: Logger, signal: AbortSignal): Promise<ToolResultBlockParam[]> {
    const results: ToolResultBlockParam[] = [];
    for (const block of content) {
      if (block.type !== 'tool_use') continue;
      const input = (block.input ?? {}) as Record<string, unknown>;
      const command = block.name === RUN_COMMAND_TOOL.name && commands;
      try {
        const output = command ? await commands.run(input, signal) : await toolbox.run(block.name, input);
        results.push({ type: 'tool_result', tool_use_id: block.id, content: output });
      } catch (error) {
        // The sandbox is gone or the task was stopped mid-command: the task is given back, not the model's problem.
        if (error instanceof SandboxUnavailableError || error instanceof WorkspaceReplacedError || signal.aborted) throw error;
        logger.warn('tool failed', { tool: block.name, error: (error as Error).message });
        results.push({ type: 'tool_result', tool_use_id: block.id, content: (error as Error).message, is_error: true });
      }
      // A command may have swapped the directory for a symlink (e.g. to /proc/self): no file tool may run after that.
      if (command) await toolbox.workspace.verify();
    }
    return results;
  }

  /**
   * The files the agent wrote, as they are now, until the byte budget is
   * spent; text apart from binary (base64). Files that no longer fit are
   * listed in `omitted` with their sizes, never cut.
   */
  private async writtenFiles(toolbox: FileToolbox, budgetBytes = this.options.maxResultFileBytes ?? 256 * 1024): Promise<Pick<TaskOutput, 'files' | 'binaryFiles' | 'omitted'>> {
    let budget = budgetBytes;
    const files: Record<string, string> = {};
    const binaryFiles: Record<string, string> = {};
    const omitted: Array<{ path: string; bytes: number }> = [];
    for (const path of [...toolbox.written].sort()) {
      const content = await toolbox.workspace.readBytes(path).catch(() => undefined);
      if (content === undefined) continue;
      const bytes = content.byteLength;
      const text = utf8(content);
      if (bytes > budget) {
        omitted.push({ path, bytes });
        continue;
      }
      if (text === undefined) binaryFiles[path] = content.toString('base64');
      else files[path] = text;
      budget -= bytes;
    }
    return { files, ...(Object.keys(binaryFiles).length ? { binaryFiles } : {}), ...(omitted.length ? { omitted } : {}) };
  }
}

function userPrompt(task: Task): string {
  const { repo, push } = task.payload;
  const files = [...Object.keys(task.payload.files ?? {}), ...Object.keys(task.payload.binaryFiles ?? {})];
  const checkout = repo
    ? `\nThe workspace is a checkout of ${repo.url} at ${repo.ref}${files.length ? `, with these files written over it: ${files.join(', ')}` : ''}. ` +
      `Your changes to it are returned as a patch${push ? ` and pushed to branch ${push.branch}` : ''}.`
    : undefined;
  return [
    task.payload.title ? `# ${task.payload.title}\n` : '',
    task.payload.instructions,
    checkout ?? (files.length ? `\nThe workspace holds: ${files.join(', ')}` : '\nThe workspace is empty.'),
  ].join('\n');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as text, or undefined when they are not UTF-8 (a binary file). */
function utf8(bytes: Buffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function textOf(content: ContentBlock[]): string {
  return content
    .filter((b): b is Extract<ContentBlock, { type: 'text' }> => b.type === 'text')
    .map((b) => b.text)
    .join('\n')
    .trim();
}

/** The API's own error message, not the SDK's wrapper text. */
function apiMessage(error: APIError): string {
  const body = error.error as { error?: { message?: string } } | undefined;
  return body?.error?.message ?? error.message;
}

/** A response the loop can use; anything else is a protocol error that fails the task. */
function assertMessage(response: Message): void {
  const ok =
    response &&
    Array.isArray(response.content) &&
    typeof response.stop_reason === 'string' &&
    typeof response.usage?.input_tokens === 'number' &&
    typeof response.usage?.output_tokens === 'number';
  if (!ok) throw new Error('Messages API returned a malformed response (no content, stop_reason or usage)');
}

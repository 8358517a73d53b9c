import type { Tool } from '@anthropic-ai/sdk/resources/messages';
import { ENV } from '../contract';
import { CommandLimits } from '../config/runtime-config';
import { AgentMetrics, CommandOutcome } from '../metrics/agent-metrics';
import { CommandUsage } from '../queue/task-result';
import { SandboxClient } from '../sandbox/sandbox-client';
import { SandboxUnavailableError } from '../sandbox/sandbox-unavailable-error';

/** Offered to the model only when the agent has a sandbox (HIVE_SANDBOX_SOCKET). */
export const RUN_COMMAND_TOOL: Tool = {
  name: 'run_command',
  description:
    'Run a shell command (sh -c) in the workspace, inside a sandbox without network credentials or secrets. ' +
    'Returns the exit code, stdout and stderr (each cut at a limit, with a marker). The task has a limit on the number of commands and on their total time; a command is killed at its timeout.',
  input_schema: { type: 'object', properties: { command: { type: 'string', description: 'The shell command, run with cwd = the workspace' } }, required: ['command'] },
};

/** One finished command, for the task's progress events. */
export interface CommandReport {
  /** The command, cut at 200 characters. */
  readonly command: string;
  readonly outcome: CommandOutcome;
  readonly exitCode?: number | null;
  readonly durationMs?: number;
}


/**
 * The `run_command` tool of one task: runs commands in the task's sandbox
 * directory within the task's command budget, counts them in the metrics and
 * keeps reports for the next progress event. A refused command or a sandbox
 * error is thrown (an `is_error` tool result); a command that ran, whatever
 * its exit code, is a normal result.
 */
export class CommandSession {
  private count: number;
  private seconds: number;
  private refused: number;
  private exhausted?: CommandUsage['exhausted'];
  private reports: CommandReport[] = [];

  /** `spent`: what the task used before this session (a task resumed from its checkpoint). */
  constructor(
    private readonly sandbox: SandboxClient,
    private readonly task: string,
    private readonly limits: CommandLimits,
    private readonly metrics: AgentMetrics,
    spent?: CommandUsage,
  ) {
    this.count = spent?.count ?? 0;
    this.seconds = spent?.seconds ?? 0;
    this.refused = spent?.refused ?? 0;
    this.exhausted = spent?.exhausted;
  }

  get usage(): CommandUsage {
    return { count: this.count, seconds: Math.round(this.seconds * 1000) / 1000, refused: this.refused, ...(this.exhausted ? { exhausted: this.exhausted } : {}) };
  }

  /** Reports since the last call. */
  takeReports(): CommandReport[] {
    return this.reports.splice(0);
  }

  /** `signal`: the task was stopped; the sandbox kills the command and the error goes up. */
  async run(input: Record<string, unknown>, signal?: AbortSignal): Promise<string> {
    const command = input.command;
    if (typeof command !== 'string' || command.trim() === '') throw new Error("'command' must be a non-empty string");
    const { maxCommands, maxCommandSeconds, commandTimeoutSeconds, commandOutputBytes } = this.limits;
    const remainingSeconds = maxCommandSeconds - this.seconds;
    const spentLimit = this.count >= maxCommands ? 'maxCommands' : remainingSeconds < 0.5 ? 'maxCommandSeconds' : undefined;
    if (spentLimit) {
      this.exhausted = spentLimit;
      this.refused++;
      this.record(command, 'refused');
      const spent = spentLimit === 'maxCommands' ? `${this.count} of ${maxCommands} commands` : `${this.usage.seconds} of ${maxCommandSeconds} command seconds`;
      throw new Error(`command not run: this task's command budget is spent (${spent}, ${ENV[spentLimit]}); finish with what you have`);
    }
    const timeoutSeconds = Math.min(commandTimeoutSeconds, remainingSeconds);
    const cutByBudget = timeoutSeconds < commandTimeoutSeconds;
    let response;
    try {
      response = await this.sandbox.run(this.task, command, Math.ceil(timeoutSeconds * 1000), commandOutputBytes, signal);
    } catch (error) {
      // Unreachable or stopped: the task is given back for another delivery; any other sandbox error goes to the model.
      if (error instanceof SandboxUnavailableError || signal?.aborted) throw error;
      this.record(command, 'error');
      throw error;
    }
    this.count++;
    this.seconds += response.durationMs / 1000;
    const outcome: CommandOutcome = response.timedOut ? 'timed_out' : response.exitCode === 0 ? 'succeeded' : 'failed';
    this.record(command, outcome, response.exitCode, response.durationMs);
    if (response.timedOut && cutByBudget) this.exhausted = 'maxCommandSeconds';
    const status = response.timedOut
      ? `killed after ${timeoutSeconds} s: ${cutByBudget ? `the task's command time is spent (${ENV.maxCommandSeconds})` : `its timeout (${ENV.commandTimeoutSeconds})`}; every process it started was killed`
      : response.exitCode === null
        ? `killed by signal ${response.signal}`
        : `exit code ${response.exitCode}`;
    return [
      status,
      `--- stdout ---\n${response.stdout}${response.stdoutTruncated ? `\n[stdout truncated: only the first ${commandOutputBytes} bytes are shown]` : ''}`,
      `--- stderr ---\n${response.stderr}${response.stderrTruncated ? `\n[stderr truncated: only the first ${commandOutputBytes} bytes are shown]` : ''}`,
      `(${this.count} of ${maxCommands} commands, ${this.usage.seconds} of ${maxCommandSeconds} command seconds used)`,
    ].join('\n');
  }

  private record(command: string, outcome: CommandOutcome, exitCode?: number | null, durationMs?: number): void {
    this.metrics.commandFinished(outcome, durationMs === undefined ? undefined : durationMs / 1000);
    this.reports.push({ command: command.slice(0, 200), outcome, ...(durationMs === undefined ? {} : { exitCode, durationMs }) });
  }
}

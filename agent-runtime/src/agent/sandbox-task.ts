import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CommandLimits } from '../config/runtime-config';
import { ENV } from '../contract';
import { AgentMetrics } from '../metrics/agent-metrics';
import { TaskPayload } from '../queue/task-entry';
import { CommandUsage, TaskOutput, TaskResult } from '../queue/task-result';
import { SandboxClient } from '../sandbox/sandbox-client';
import { SandboxUnavailableError } from '../sandbox/sandbox-unavailable-error';
import { taskRoot } from '../sandbox/task-directories';
import { CommandSession } from '../tools/command-session';
import { DEFAULT_WORKSPACE_LIMITS, Workspace } from '../tools/workspace';

/** What an agent with a sandbox sidecar needs for its tasks. */
export interface SandboxSettings {
  readonly client: SandboxClient;
  readonly limits: CommandLimits;
  /** HTTPS token for clones; only the clone's git process sees it. */
  readonly gitToken?: string;
  /** HTTPS token for pushes; without it a task asking to push fails before its first turn. */
  readonly gitPushToken?: string;
  /** `host[:port]` the tokens are for; a repository elsewhere gets none. Unset: no token is ever sent. */
  readonly gitHost?: string;
  /** Takes a task directory the sandbox could not remove (it was restarting), to remove once it answers again. */
  readonly leftBehind: (name: string) => void;
}

/** Time for the sandbox's own git steps (clone, diff, push): the same as one command. */
const gitTimeoutMs = (limits: CommandLimits) => limits.commandTimeoutSeconds * 1000;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * One task's directory in the sandbox. Its name is random, so a command of
 * another task cannot guess it (the task root is not listable by the
 * sandbox). Before the first turn it is made and the repository checked out;
 * after the last, the work becomes a patch (and a pushed branch); at the end
 * it is removed by the sandbox, which owns what the commands wrote.
 */
export class SandboxTask {
  /** The directory's name below the task root: 128 random bits. */
  readonly name = randomBytes(16).toString('hex');
  /** The same directory for the agent's file tools, shared with the sandbox through the group. */
  readonly workspace: Workspace;
  private baseCommit?: string;
  private answered = false;

  constructor(
    private readonly settings: SandboxSettings,
    workspaceDir: string,
  ) {
    this.workspace = Workspace.at(join(taskRoot(workspaceDir), this.name), DEFAULT_WORKSPACE_LIMITS, { groupShared: true });
  }

  /**
   * The sandbox made the directory for this task: it answered after the task
   * began, so losing it later happened during this task's own requests.
   */
  get prepared(): boolean {
    return this.answered;
  }

  /**
   * Makes the directory, pins it for the file tools (before any command could
   * swap it) and checks out payload.repo; answers why the task cannot start, for its result.
   */
  async prepare(payload: TaskPayload): Promise<string | undefined> {
    if (payload.push && payload.repo) {
      const problem = this.pushProblem(payload.repo.url);
      if (problem) return `payload.push: ${problem}; leave out push to get a patch only`;
    }
    await this.settings.client.prepare(this.name);
    this.answered = true;
    await this.workspace.ensure();
    if (!payload.repo) return undefined;
    try {
      const token = this.onGitHost(payload.repo.url) ? this.settings.gitToken : undefined;
      const { commit } = await this.settings.client.clone(this.name, payload.repo.url, payload.repo.ref, token, gitTimeoutMs(this.settings.limits));
      this.baseCommit = commit;
      return undefined;
    } catch (error) {
      if (error instanceof SandboxUnavailableError) throw error;
      return `payload.repo: ${(error as Error).message}`;
    }
  }

  /** Why this task may not push to `url`, if it may not. */
  private pushProblem(url: string): string | undefined {
    if (!this.settings.gitPushToken) return `this environment grants no push token (${ENV.gitPushToken} is not set)`;
    if (!this.settings.gitHost) return `the push token is for no host (${ENV.gitHost} is not set)`;
    if (!this.onGitHost(url)) return `the push token is for ${this.settings.gitHost} (${ENV.gitHost}), not for ${new URL(url).host}`;
    return undefined;
  }

  /**
   * Whether `url` is on the git host the tokens are for: the same host name and
   * port (a URL without a port has its scheme's). Any other URL a client names
   * gets no token, or a task could send the token to a host of its choosing.
   */
  private onGitHost(url: string): boolean {
    const gitHost = this.settings.gitHost;
    if (!gitHost) return false;
    const target = new URL(url);
    const schemePort = { 'https:': '443', 'http:': '80' }[target.protocol];
    if (schemePort === undefined) return false;
    const [host, port = schemePort] = gitHost.split(':');
    return target.hostname === host && (target.port || schemePort) === port;
  }

  /** The task's `run_command` tool; `spent` carries the budget over from a checkpoint. */
  commands(metrics: AgentMetrics, spent?: CommandUsage): CommandSession {
    return new CommandSession(this.settings.client, this.name, this.settings.limits, metrics, spent);
  }

  /**
   * The result with the work as a patch against the base commit and, when
   * asked for and the task succeeded, pushed as a branch. A patch over the
   * limit, or a failed diff or push, fails the task with the reason: a
   * result never silently lacks the work.
   */
  async deliver(payload: TaskPayload, result: TaskResult): Promise<TaskResult> {
    if (!payload.repo || !this.baseCommit || result.status === 'canceled') return result;
    // The sandbox finds the directory by name: a symlink a command put there would be diffed and pushed instead.
    const replaced = await this.workspace.verify().then(
      () => undefined,
      (error: Error) => error.message,
    );
    if (replaced) return { status: 'failed', reason: 'workspace', output: { ...result.output, error: replaced } };
    const { client, limits } = this.settings;
    const failed = (error: string, output: Partial<TaskOutput>): TaskResult => ({ status: 'failed', reason: 'repository', output: { ...result.output, ...output, error } });
    let diff;
    try {
      diff = await client.diff(this.name, this.baseCommit, limits.maxPatchBytes, gitTimeoutMs(limits));
    } catch (error) {
      if (error instanceof SandboxUnavailableError) throw error;
      return failed(`patch: ${(error as Error).message}`, { baseCommit: this.baseCommit });
    }
    const base = { baseCommit: this.baseCommit, patchBytes: diff.patchBytes };
    if (diff.tooLarge) {
      const omitted = `the patch is ${diff.patchBytes} bytes, over ${ENV.maxPatchBytes} (${limits.maxPatchBytes}); it was left out, not cut`;
      return failed(omitted, { ...base, patchOmitted: omitted });
    }
    const output: TaskOutput = { ...result.output, ...base, ...patchText(Buffer.from(diff.patchBase64 ?? '', 'base64')) };
    if (!payload.push || result.status !== 'succeeded') return { ...result, output };
    try {
      const { commit } = await client.push({
        task: this.name,
        url: payload.repo.url,
        branch: payload.push.branch,
        base: this.baseCommit,
        message: result.output.text.split('\n')[0]?.slice(0, 200) || 'Agent Hive task',
        token: this.settings.gitPushToken!,
        timeoutMs: gitTimeoutMs(limits),
      });
      return { ...result, output: { ...output, pushed: { branch: payload.push.branch, commit } } };
    } catch (error) {
      if (error instanceof SandboxUnavailableError) throw error;
      return { status: 'failed', reason: 'repository', output: { ...output, error: `push: ${(error as Error).message}` } };
    }
  }

  /** Removes the directory through the sandbox (it owns what the commands made), then whatever the agent left. */
  async close(): Promise<void> {
    try {
      if (this.answered) await this.settings.client.cleanup(this.name);
    } catch (error) {
      if (error instanceof SandboxUnavailableError) this.settings.leftBehind(this.name);
      throw error;
    } finally {
      await this.workspace.remove();
    }
  }
}

function patchText(bytes: Buffer): Pick<TaskOutput, 'patch' | 'patchBase64'> {
  try {
    return { patch: strictUtf8.decode(bytes) };
  } catch {
    return { patchBase64: bytes.toString('base64') };
  }
}

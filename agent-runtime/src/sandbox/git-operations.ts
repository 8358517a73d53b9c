import { mkdtemp, copyFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandOutcome, CommandRunner } from './command-runner';

/** What the git steps need besides the runner. */
export interface GitOperationsOptions {
  /** PATH, HOME, LANG and TMPDIR for git: the same scrubbed base the commands get. */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** CA bundle for the git host's certificate. @default the system's */
  readonly caFile?: string;
}

/** Bytes of git's error output kept for a message. */
const ERROR_BYTES = 4096;
const IDENTITY = ['-c', 'user.name=Agent Hive', '-c', 'user.email=agent-hive@localhost'];
/**
 * The far side of a file:// remote runs as the sandbox's user too, and git
 * refuses a repository another user owns (a mounted mirror); `-c` settings of
 * the near side do not reach it, so it gets its own.
 */
const LOCAL_REMOTE_GIT = "git -c safe.directory='*'";
/**
 * Hands the token to git from file descriptor 3, so it is in no environment
 * or argv another process could read, and in no config file.
 */
const FD3_CREDENTIAL_HELPER = '!f() { test "$1" = get || exit 0; read -r t <&3; printf "username=x-access-token\\npassword=%s\\n" "$t"; }; f';

/**
 * The sandbox's own git steps: clone in, patch out, push. Each runs like a
 * command (own process group, timeout, output cap) but with settings a
 * repository cannot override where it matters: no system or global config
 * (HOME is shared with the commands), no hooks, no fsmonitor, no external
 * diff or textconv, and credential helpers reset to the one that reads the
 * token from fd 3.
 */
export class GitOperations {
  constructor(
    private readonly runner: CommandRunner,
    private readonly options: GitOperationsOptions,
  ) {}

  /** A shallow checkout of `ref` (branch, tag or commit) into the empty directory; answers the commit. */
  async clone(dir: string, url: string, ref: string, token: string | undefined, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    await this.git(dir, ['init', '-q'], deadline, 'git init');
    const credentials = token !== undefined && url.startsWith('https:') ? token : undefined;
    const uploadPack = url.startsWith('file:') ? [`--upload-pack=${LOCAL_REMOTE_GIT} upload-pack`] : [];
    await this.git(dir, [...this.helper(credentials), 'fetch', '-q', ...uploadPack, '--depth', '1', '--no-tags', '--', url, ref], deadline, `fetching '${ref}' from ${url}`, credentials);
    await this.git(dir, ['checkout', '-q', '--detach', 'FETCH_HEAD'], deadline, `checking out '${ref}'`);
    return (await this.git(dir, ['rev-parse', 'HEAD'], deadline, 'git rev-parse')).stdout.trim();
  }

  /** Stages every change and answers `git diff --cached --binary` against base, unless it exceeds maxBytes. */
  async diff(dir: string, base: string, maxBytes: number, timeoutMs: number): Promise<{ patch?: Buffer; patchBytes: number; tooLarge: boolean }> {
    const deadline = Date.now() + timeoutMs;
    await this.git(dir, ['add', '-A'], deadline, 'staging the changes');
    const diff = await this.git(dir, ['diff', '--cached', '--binary', '--no-ext-diff', '--no-textconv', '--no-color', '--no-renames', base, '--'], deadline, 'git diff', undefined, maxBytes);
    const tooLarge = diff.stdoutTruncated;
    return { patchBytes: diff.stdoutBytes, tooLarge, ...(tooLarge ? {} : { patch: diff.stdoutRaw }) };
  }

  /**
   * Commits the task's tree on top of base and pushes it to `branch`. The
   * push runs from a fresh repository that borrows the task's objects, so
   * nothing the task's commands wrote into .git/config (insteadOf rewrites,
   * credential helpers, hooks) sees the token.
   */
  async push(dir: string, url: string, branch: string, base: string, message: string, token: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    await this.git(dir, ['add', '-A'], deadline, 'staging the changes');
    const tree = (await this.git(dir, ['write-tree'], deadline, 'git write-tree')).stdout.trim();
    const commit = (await this.git(dir, [...IDENTITY, 'commit-tree', tree, '-p', base, '-m', message], deadline, 'git commit-tree')).stdout.trim();
    const clean = await mkdtemp(join(tmpdir(), 'hive-push-'));
    try {
      await this.git(clean, ['init', '-q', '--bare'], deadline, 'git init --bare');
      await writeFile(join(clean, 'objects', 'info', 'alternates'), `${join(dir, '.git', 'objects')}\n`);
      await copyFile(join(dir, '.git', 'shallow'), join(clean, 'shallow')).catch(() => undefined);
      const credentials = url.startsWith('https:') ? token : undefined;
      const receivePack = url.startsWith('file:') ? [`--receive-pack=${LOCAL_REMOTE_GIT} receive-pack`] : [];
      await this.git(clean, [...this.helper(credentials), 'push', '-q', ...receivePack, '--', url, `${commit}:refs/heads/${branch}`], deadline, `pushing to branch '${branch}' of ${url}`, credentials);
    } finally {
      await rm(clean, { recursive: true, force: true });
    }
    return commit;
  }

  private helper(token: string | undefined): string[] {
    return ['-c', 'credential.helper=', ...(token === undefined ? [] : ['-c', `credential.helper=${FD3_CREDENTIAL_HELPER}`])];
  }

  private async git(cwd: string, args: string[], deadline: number, what: string, fd3?: string, outputBytes = 1024 * 1024): Promise<CommandOutcome> {
    const timeoutMs = Math.max(1, deadline - Date.now());
    const outcome = await this.runner.run({
      argv: ['git', '-c', 'safe.directory=*', '-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', '-c', 'protocol.ext.allow=never', ...args],
      cwd,
      env: {
        ...this.options.baseEnv,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_TERMINAL_PROMPT: '0',
        GIT_ASKPASS: '/bin/false',
        ...(this.options.caFile ? { GIT_SSL_CAINFO: this.options.caFile } : {}),
      },
      timeoutMs,
      outputBytes,
      fd3,
    });
    if (outcome.timedOut) throw new Error(`${what}: timed out after ${timeoutMs} ms`);
    if (outcome.exitCode !== 0) throw new Error(`${what} failed (exit ${outcome.exitCode ?? outcome.signal}): ${outcome.stderr.slice(0, ERROR_BYTES).trim()}`);
    return outcome;
  }
}

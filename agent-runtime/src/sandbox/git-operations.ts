import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandOutcome, CommandRunner } from './command-runner';

/** What the git steps need besides the runner. */
export interface GitOperationsOptions {
  /** PATH and LANG for git; HOME and TMPDIR are replaced by the step's own. */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** CA bundle for the git host's certificate. @default the system's */
  readonly caFile?: string;
}

/** Bytes of git's error output kept for a message. */
const ERROR_BYTES = 4096;
const IDENTITY = ['-c', 'user.name=Agent Hive', '-c', 'user.email=agent-hive@localhost'];
/**
 * Settings no repository, HOME or XDG file may override for the server's own
 * git steps: no hooks, fsmonitor, ignore or attributes file of the user's,
 * no ext:: transport.
 */
const HARDENED = ['-c', 'safe.directory=*', '-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', '-c', 'core.excludesFile=/dev/null', '-c', 'core.attributesFile=/dev/null', '-c', 'protocol.ext.allow=never'];
/** For steps that talk to the git host: a redirect must not carry the token to another host. */
const NETWORK = ['-c', 'http.followRedirects=false'];
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

/** A directory of the server's for one git step: an empty HOME, and for diff and push a fresh git dir. */
interface StepScratch {
  readonly dir: string;
  readonly home: string;
  readonly gitDir: string;
}

/**
 * The sandbox's own git steps: clone in, patch out, push. Each runs like a
 * command (own process group, timeout, output cap) but with nothing the
 * task's commands could have written taking effect: no system or global
 * config, an empty HOME and XDG_CONFIG_HOME, the settings above, credential
 * helpers reset to the one that reads the token from fd 3. Diff and push do
 * not even use the task's `.git` for anything but its objects: they stage the
 * task's tree in a git dir the server makes fresh, so its config (clean
 * filters, `diff.noprefix`, URL rewrites, credential helpers) runs nothing
 * and changes nothing.
 */
export class GitOperations {
  constructor(
    private readonly runner: CommandRunner,
    private readonly options: GitOperationsOptions,
  ) {}

  /** A shallow checkout of `ref` (branch, tag or commit) into the empty directory; answers the commit. */
  async clone(dir: string, url: string, ref: string, token: string | undefined, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    return this.withScratch(async (scratch) => {
      const git = (args: string[], what: string, fd3?: string) => this.git(scratch, dir, args, deadline, what, fd3);
      await git(['init', '-q'], 'git init');
      const credentials = token !== undefined && url.startsWith('https:') ? token : undefined;
      const uploadPack = url.startsWith('file:') ? [`--upload-pack=${LOCAL_REMOTE_GIT} upload-pack`] : [];
      await git([...NETWORK, ...this.helper(credentials), 'fetch', '-q', ...uploadPack, '--depth', '1', '--no-tags', '--', url, ref], `fetching '${ref}' from ${url}`, credentials);
      await git(['checkout', '-q', '--detach', 'FETCH_HEAD'], `checking out '${ref}'`);
      return (await git(['rev-parse', 'HEAD'], 'git rev-parse')).stdout.trim();
    });
  }

  /** Stages every change and answers `git diff --cached --binary` against base, unless it exceeds maxBytes. */
  async diff(dir: string, base: string, maxBytes: number, timeoutMs: number): Promise<{ patch?: Buffer; patchBytes: number; tooLarge: boolean }> {
    const deadline = Date.now() + timeoutMs;
    return this.withScratch(async (scratch) => {
      await this.stage(scratch, dir, base, deadline);
      const diff = await this.git(scratch, dir, this.fresh(scratch, dir, ['diff', '--cached', '--binary', '--no-ext-diff', '--no-textconv', '--no-color', '--no-renames', base, '--']), deadline, 'git diff', undefined, maxBytes);
      const tooLarge = diff.stdoutTruncated;
      return { patchBytes: diff.stdoutBytes, tooLarge, ...(tooLarge ? {} : { patch: diff.stdoutRaw }) };
    });
  }

  /** Commits the task's tree on top of base and pushes it to `branch`; answers the commit. */
  async push(dir: string, url: string, branch: string, base: string, message: string, token: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    return this.withScratch(async (scratch) => {
      const git = (args: string[], what: string, fd3?: string) => this.git(scratch, dir, this.fresh(scratch, dir, args), deadline, what, fd3);
      await this.stage(scratch, dir, base, deadline);
      const tree = (await git(['write-tree'], 'git write-tree')).stdout.trim();
      const commit = (await git([...IDENTITY, 'commit-tree', tree, '-p', base, '-m', message], 'git commit-tree')).stdout.trim();
      // The clone is shallow: base is where its history ends, whatever the task's own .git/shallow says.
      await writeFile(join(scratch.gitDir, 'shallow'), `${base}\n`);
      const credentials = url.startsWith('https:') ? token : undefined;
      const receivePack = url.startsWith('file:') ? [`--receive-pack=${LOCAL_REMOTE_GIT} receive-pack`] : [];
      await git([...NETWORK, ...this.helper(credentials), 'push', '-q', ...receivePack, '--', url, `${commit}:refs/heads/${branch}`], `pushing to branch '${branch}' of ${url}`, credentials);
      return commit;
    });
  }

  /** A fresh git dir that borrows the task's objects, its index at base, then every change of the work tree staged. */
  private async stage(scratch: StepScratch, dir: string, base: string, deadline: number): Promise<void> {
    await this.git(scratch, dir, this.fresh(scratch, dir, ['init', '-q']), deadline, 'git init');
    await writeFile(join(scratch.gitDir, 'objects', 'info', 'alternates'), `${join(dir, '.git', 'objects')}\n`);
    // Files of base the work tree's .gitignore matches stay tracked, as in the task's checkout.
    await this.git(scratch, dir, this.fresh(scratch, dir, ['read-tree', base]), deadline, 'git read-tree');
    await this.git(scratch, dir, this.fresh(scratch, dir, ['add', '-A']), deadline, 'staging the changes');
  }

  private fresh(scratch: StepScratch, dir: string, args: string[]): string[] {
    return [`--git-dir=${scratch.gitDir}`, `--work-tree=${dir}`, ...args];
  }

  private async withScratch<T>(step: (scratch: StepScratch) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), 'hive-git-'));
    const scratch = { dir, home: join(dir, 'home'), gitDir: join(dir, 'git') };
    try {
      await mkdir(scratch.home);
      return await step(scratch);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private helper(token: string | undefined): string[] {
    return ['-c', 'credential.helper=', ...(token === undefined ? [] : ['-c', `credential.helper=${FD3_CREDENTIAL_HELPER}`])];
  }

  private async git(scratch: StepScratch, cwd: string, args: string[], deadline: number, what: string, fd3?: string, outputBytes = 1024 * 1024): Promise<CommandOutcome> {
    const timeoutMs = Math.max(1, deadline - Date.now());
    const outcome = await this.runner.run({
      sweep: false,
      argv: ['git', ...HARDENED, ...args],
      cwd,
      env: {
        ...this.options.baseEnv,
        HOME: scratch.home,
        XDG_CONFIG_HOME: scratch.home,
        TMPDIR: scratch.dir,
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

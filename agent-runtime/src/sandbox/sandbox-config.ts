import { DEFAULT_WORKSPACE_DIR, ENV, SANDBOX_ENV } from '../contract';
import { ConfigError } from '../config/config-error';
import { Env, integer, logLevel, required } from '../config/env-values';
import { LogLevel } from '../log/logger';

export interface SandboxConfig {
  /** The Unix socket the server listens on (HIVE_SANDBOX_SOCKET). */
  readonly socketPath: string;
  /** The workspace volume, at the same path as in the agent's container (HIVE_WORKSPACE_DIR). @default '/app/workspace' */
  readonly workspaceDir: string;
  /** Processes the sandbox's user may have while a command runs: what stops a fork bomb (HIVE_SANDBOX_MAX_PROCESSES). @default 512 */
  readonly maxProcesses: number;
  /**
   * The base of every command's and git step's environment; nothing else of the server's is passed on. HOME and
   * TMPDIR are the server's own: a command gets its task's directories below them, a git step empty ones.
   */
  readonly baseEnv: Readonly<{ PATH: string; HOME: string; LANG: string; TMPDIR: string }>;
  /** CA bundle for the git host (GIT_SSL_CAINFO), for the clone and the push only. @default the system's */
  readonly gitCaFile?: string;
  /** @default 'info' */
  readonly logLevel: LogLevel;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function loadSandboxConfig(env: Env): SandboxConfig {
  const socketPath = required(env, ENV.sandboxSocket);
  const workspaceDir = env[ENV.workspaceDir] || DEFAULT_WORKSPACE_DIR;
  for (const [name, value] of [[ENV.sandboxSocket, socketPath], [ENV.workspaceDir, workspaceDir]]) {
    if (!value.startsWith('/')) throw new ConfigError(`Expected \`${name}\` to be an absolute path, got \`${value}\``);
  }
  return {
    socketPath,
    workspaceDir,
    maxProcesses: integer(env, SANDBOX_ENV.maxProcesses, 512, 16, 100_000),
    baseEnv: { PATH: env.PATH || DEFAULT_PATH, HOME: env.HOME || '/sandbox-home', LANG: 'C.UTF-8', TMPDIR: env.TMPDIR || '/tmp' },
    gitCaFile: env[SANDBOX_ENV.gitCaFile] || undefined,
    logLevel: logLevel(env),
  };
}

import { chmod, lstat, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Below the workspace volume: the directory of the sandbox's task directories, made by the agent. */
const TASK_ROOT = 'tasks';

/** Where task directories live for a workspace volume (both containers mount it at the same path). */
export function taskRoot(workspaceDir: string): string {
  return join(workspaceDir, TASK_ROOT);
}

/**
 * The sandbox's task directories. The agent owns the task root (mode 2730:
 * the sandbox's group may enter and create, never list), so a command can
 * reach only a task whose random name it was given. Each task directory
 * belongs to the sandbox (git trusts only repositories its user owns) and is
 * group-shared (2770) so the agent's file tools work in it too.
 */
export class TaskDirectories {
  constructor(readonly root: string) {}

  /** The directory of an existing task; refused when it is missing or a symlink. */
  async existing(task: string): Promise<string> {
    const dir = join(this.root, task);
    const info = await lstat(dir).catch(() => undefined);
    if (!info?.isDirectory()) throw new Error(`task directory '${task}' does not exist (prepare it first)`);
    return dir;
  }

  async prepare(task: string): Promise<void> {
    const dir = join(this.root, task);
    try {
      await mkdir(dir, { mode: 0o2770 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`task directory '${task}' exists already`);
      throw new Error(`cannot make task directory '${task}': ${(error as Error).message}`);
    }
    // mkdir applies the umask and may drop the setgid bit.
    await chmod(dir, 0o2770);
  }

  async remove(task: string): Promise<void> {
    await rm(join(this.root, task), { recursive: true, force: true });
  }
}

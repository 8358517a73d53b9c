import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Below the server's HOME and TMPDIR: one directory per task. */
const SCRATCH = 'hive-tasks';

/** The HOME and TMPDIR a task's commands get. */
export interface TaskScratchDirs {
  readonly HOME: string;
  readonly TMPDIR: string;
}

/**
 * Each task's own HOME and TMPDIR, under the server's (its container's
 * writable emptyDirs, not the workspace the agent shares). Made fresh at
 * `prepare` and removed at `cleanup`, so what one task leaves there
 * (`~/.config/git/ignore`, `~/.npmrc`, a `usercustomize.py`) never reaches
 * the next one's tools.
 */
export class TaskScratch {
  private readonly homeRoot: string;
  private readonly tmpRoot: string;

  constructor(serverDirs: TaskScratchDirs) {
    this.homeRoot = join(serverDirs.HOME, SCRATCH);
    this.tmpRoot = join(serverDirs.TMPDIR, SCRATCH);
  }

  /** Removes every task's directories (a link a command put in place of a root goes, not what it points at). */
  async clear(): Promise<void> {
    await Promise.all([rm(this.homeRoot, { recursive: true, force: true }), rm(this.tmpRoot, { recursive: true, force: true })]);
  }

  /** Empty directories for `task`. A sandbox serves one task at a time: whatever is there belongs to an earlier one. */
  async prepare(task: string): Promise<void> {
    await this.clear();
    await this.dirs(task);
  }

  /** The task's directories, made if missing (the sandbox restarted since the task's `prepare`, clearing them). */
  async dirs(task: string): Promise<TaskScratchDirs> {
    const dirs = { HOME: join(this.homeRoot, task), TMPDIR: join(this.tmpRoot, task) };
    await Promise.all(Object.values(dirs).map((dir) => mkdir(dir, { recursive: true, mode: 0o700 })));
    return dirs;
  }

  async remove(task: string): Promise<void> {
    await Promise.all([rm(join(this.homeRoot, task), { recursive: true, force: true }), rm(join(this.tmpRoot, task), { recursive: true, force: true })]);
  }
}

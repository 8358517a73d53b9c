import { lstat, mkdir, open, readdir, realpath, rm } from 'node:fs/promises';
import { constants } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PathOutsideWorkspaceError } from './path-outside-workspace-error';
import { WorkspaceReplacedError } from './workspace-replaced-error';

/** Limits on what a task may keep in its workspace. */
export interface WorkspaceLimits {
  /** Largest file a tool may read or write. @default 1 MiB */
  readonly maxFileBytes: number;
}

export const DEFAULT_WORKSPACE_LIMITS: WorkspaceLimits = { maxFileBytes: 1024 * 1024 };

/** Who may use what the file tools make. */
export interface WorkspaceAccess {
  /**
   * Files and directories are made for the group too (0660/0770), so the
   * sandbox sidecar, which shares the agent's group, can work on them.
   * @default false (0600/0700: the agent only)
   */
  readonly groupShared: boolean;
}

const PRIVATE: WorkspaceAccess = { groupShared: false };

const GONE = 'it is gone';

/**
 * A per-task directory that file tools cannot leave. Every path is resolved
 * through the real path of its longest existing ancestor and checked with
 * path.relative, so `..`, absolute paths and symlinks pointing outside are
 * refused; a prefix check (`startsWith`) would let `/work-evil` pass for `/work`.
 * The directory is made on first use, so a task that touches no file costs
 * no directory.
 */
export class Workspace {
  /** Real path of the workspace root, once it exists. */
  private realRoot?: string;
  /**
   * The root directory's identity when it was made: a group-shared task root
   * lets a command rename the directory and put a symlink in its place.
   */
  private identity?: { dev: number; ino: number };

  private readonly fileMode: number;
  private readonly dirMode: number;

  private constructor(
    private readonly dir: string,
    readonly limits: WorkspaceLimits,
    access: WorkspaceAccess,
  ) {
    this.fileMode = access.groupShared ? 0o660 : 0o600;
    this.dirMode = access.groupShared ? 0o770 : 0o700;
  }

  /** A workspace at `dir`, made when first used. */
  static at(dir: string, limits: WorkspaceLimits = DEFAULT_WORKSPACE_LIMITS, access: WorkspaceAccess = PRIVATE): Workspace {
    return new Workspace(dir, limits, access);
  }

  /** A workspace at `dir`, made now. */
  static async create(dir: string, limits: WorkspaceLimits = DEFAULT_WORKSPACE_LIMITS): Promise<Workspace> {
    const workspace = new Workspace(dir, limits, PRIVATE);
    await workspace.ensure();
    return workspace;
  }

  /** Real path of the workspace root (made if it does not exist yet). */
  get root(): string {
    if (this.realRoot === undefined) throw new Error('the workspace is not made yet; call ensure() first');
    return this.realRoot;
  }

  /** Makes the directory and pins it: a symlink in its place is refused, and later checks compare with what was found now. */
  async ensure(): Promise<string> {
    if (this.realRoot === undefined) {
      await mkdir(this.dir, { recursive: true, mode: this.dirMode });
      const found = await lstat(this.dir);
      if (!found.isDirectory()) throw new WorkspaceReplacedError(found.isSymbolicLink() ? 'it is a symlink' : 'it is not a directory');
      this.realRoot = await realpath(this.dir);
      this.identity = { dev: found.dev, ino: found.ino };
    }
    return this.realRoot;
  }

  /** Throws WorkspaceReplacedError unless the workspace's path is still the directory ensure() made (not a symlink, same device and inode). */
  async verify(): Promise<void> {
    const problem = await this.replaced();
    if (problem) throw new WorkspaceReplacedError(problem);
  }

  /** Why the path no longer is the pinned directory, if it is not (undefined before ensure()). */
  private async replaced(): Promise<string | undefined> {
    if (this.identity === undefined) return undefined;
    const found = await lstat(this.dir).catch(() => undefined);
    if (!found) return GONE;
    if (found.isSymbolicLink()) return 'it is a symlink';
    if (!found.isDirectory() || found.dev !== this.identity.dev || found.ino !== this.identity.ino) return 'another file is in its place';
    return undefined;
  }

  /** The absolute, real location of a relative path inside the workspace. */
  async resolve(requested: string): Promise<string> {
    await this.ensure();
    if (typeof requested !== 'string' || requested.length === 0) throw new PathOutsideWorkspaceError(String(requested), 'empty path');
    if (requested.includes('\0')) throw new PathOutsideWorkspaceError(requested.replace(/\0/g, '\\0'), 'NUL byte in path');
    if (isAbsolute(requested)) throw new PathOutsideWorkspaceError(requested, 'absolute paths are refused; use a path relative to the workspace');
    const target = resolve(this.root, requested);
    this.assertInside(requested, target);
    // Follow symlinks on the part that exists: a link inside may point outside.
    let existing = target;
    const rest: string[] = [];
    for (;;) {
      try {
        const real = await realpath(existing);
        const resolved = join(real, ...rest);
        this.assertInside(requested, resolved);
        return resolved;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || existing === this.root) throw error;
        rest.unshift(basename(existing));
        existing = dirname(existing);
      }
    }
  }

  async readFile(path: string): Promise<string> {
    return (await this.readBytes(path)).toString('utf8');
  }

  /** Reads through O_NOFOLLOW, so a symlink swapped in after the check is not followed. */
  async readBytes(path: string): Promise<Buffer> {
    const file = await this.resolve(path);
    // O_NONBLOCK: a FIFO a command put there must not hang the agent; it is refused as not a file.
    const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new Error(`'${path}' is not a file`);
      if (info.size > this.limits.maxFileBytes) throw new Error(`'${path}' is ${info.size} bytes; the limit is ${this.limits.maxFileBytes}`);
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  /** Writes through O_NOFOLLOW, so a symlink swapped in after the check is not followed. */
  async writeFile(path: string, content: string | Uint8Array): Promise<void> {
    const bytes = typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
    if (bytes > this.limits.maxFileBytes) throw new Error(`content for '${path}' is ${bytes} bytes; the limit is ${this.limits.maxFileBytes}`);
    const file = await this.resolve(path);
    if (file === this.root) throw new Error(`'${path}' is the workspace itself`);
    await mkdir(dirname(file), { recursive: true, mode: this.dirMode });
    this.assertInside(path, await realpath(dirname(file)));
    const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, this.fileMode);
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
  }

  /** Entries of a directory, directories with a trailing slash. */
  async list(path = '.'): Promise<string[]> {
    const dir = await this.resolve(path);
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.map((e) => (e.isDirectory() ? `${e.name}/` : e.name)).sort();
  }

  /** Every regular file below the root, as relative paths; symlinks are not followed. */
  async files(): Promise<string[]> {
    await this.ensure();
    const found: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile()) found.push(relative(this.root, full).split(sep).join('/'));
      }
    };
    await walk(this.root);
    return found.sort();
  }

  /** Removes the directory, unless something else took its place: that is never followed. */
  async remove(): Promise<void> {
    if (this.realRoot === undefined) return;
    const replaced = await this.replaced();
    const root = this.realRoot;
    this.realRoot = undefined;
    this.identity = undefined;
    if (replaced === GONE) return; // the sandbox removed it (with what took its place)
    if (replaced) throw new WorkspaceReplacedError(`${replaced}; not removed`);
    await rm(root, { recursive: true, force: true });
  }

  private assertInside(requested: string, candidate: string): void {
    const rel = relative(this.root, candidate);
    if (rel === '') return;
    if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw new PathOutsideWorkspaceError(requested, 'it resolves outside the workspace');
    }
  }
}

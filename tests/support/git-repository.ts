import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { requireTool } from './system-tools';

/**
 * The test's own git: the repository may belong to the sandbox's user (it
 * pushes there) and the test reads it as root; a local clone's upload-pack
 * sees no `-c` settings, so they come from a global config file.
 */
const GLOBAL_CONFIG = join(mkdtempSync(join(tmpdir(), 'hive-gitconfig-')), 'config');
writeFileSync(GLOBAL_CONFIG, '[safe]\n\tdirectory = *\n[user]\n\tname = Test\n\temail = test@example.com\n');
const GIT_ENV = { ...process.env, GIT_CONFIG_GLOBAL: GLOBAL_CONFIG };

function git(cwd: string, ...args: string[]): string {
  return execFileSync(requireTool('git'), args, { cwd, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], env: GIT_ENV });
}

/** A bare repository on the local disk, reachable by a `file://` URL, as a git host would serve it. */
export class BareRepository {
  private constructor(
    readonly dir: string,
    /** The commit of `main` when made. */
    readonly commit: string,
  ) {}

  get url(): string {
    return `file://${this.dir}`;
  }

  /** A repository whose `main` holds `files`; `owner`: the uid that may push to it (readable by everyone). */
  static create(files: Record<string, string | Buffer>, owner?: number): BareRepository {
    const root = mkdtempSync(join(tmpdir(), 'hive-git-'));
    const dir = join(root, 'origin.git');
    git(root, 'init', '-q', '--bare', '-b', 'main', dir);
    const work = join(root, 'work');
    git(root, 'init', '-q', '-b', 'main', work);
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), content);
    }
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'initial');
    git(work, 'push', '-q', dir, 'main');
    const commit = git(work, 'rev-parse', 'HEAD').trim();
    rmSync(work, { recursive: true });
    execFileSync('chmod', ['-R', 'a+rX', root]);
    if (owner !== undefined) execFileSync('chown', ['-R', `${owner}:${owner}`, dir]);
    return new BareRepository(dir, commit);
  }

  /** A fresh clone of `ref` in a new directory. */
  clone(ref = 'main'): string {
    const dir = mkdtempSync(join(tmpdir(), 'hive-clone-'));
    git(dir, 'clone', '-q', '--branch', ref, this.url, '.');
    return dir;
  }

  /** Applies a patch to a fresh clone the way a reviewer would (`git apply --index`); answers the clone. */
  applyToFreshClone(patch: string): string {
    const dir = this.clone();
    execFileSync('git', ['apply', '--index', '--whitespace=nowarn', '-'], { cwd: dir, input: patch, stdio: ['pipe', 'pipe', 'pipe'], env: GIT_ENV });
    return dir;
  }

  /** The commit a branch points at, or undefined. */
  branch(name: string): string | undefined {
    try {
      return git(this.dir, 'rev-parse', '--verify', '-q', `refs/heads/${name}`).trim();
    } catch {
      return undefined;
    }
  }

  remove(): void {
    rmSync(dirname(this.dir), { recursive: true, force: true });
  }
}

import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PathOutsideWorkspaceError } from '../../agent-runtime/src/tools/path-outside-workspace-error';
import { Workspace } from '../../agent-runtime/src/tools/workspace';

let base: string;
let ws: Workspace;
const SECRET = 'outside-secret-content';

beforeEach(async () => {
  base = mkdtempSync(join(tmpdir(), 'hive-escape-'));
  writeFileSync(join(base, 'secret.txt'), SECRET);
  // A sibling whose name starts with the workspace's: the classic startsWith hole.
  mkdirSync(join(base, 'ws-evil'));
  writeFileSync(join(base, 'ws-evil', 'loot.txt'), SECRET);
  ws = await Workspace.create(join(base, 'ws'), { maxFileBytes: 1024 });
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

describe('the workspace refuses every known escape', () => {
  it.each([
    ['an absolute path', join(tmpdir(), 'x')],
    ['/etc/passwd', '/etc/passwd'],
    ['a .. escape', '../secret.txt'],
    ['a .. escape through a subdirectory', 'a/b/../../../secret.txt'],
    ['a sibling that shares the prefix', '../ws-evil/loot.txt'],
    ['a NUL byte', 'notes.txt\0../../secret.txt'],
  ])('refuses %s for reading and writing', async (_what, path) => {
    await expect(ws.readFile(path)).rejects.toBeInstanceOf(PathOutsideWorkspaceError);
    await expect(ws.writeFile(path, 'pwned')).rejects.toBeInstanceOf(PathOutsideWorkspaceError);
    expect(readFileSync(join(base, 'secret.txt'), 'utf8')).toBe(SECRET);
  });

  it('refuses a symlink inside that points outside, for reading, writing and writing below it', async () => {
    symlinkSync(join(base, 'secret.txt'), join(ws.root, 'link.txt'));
    symlinkSync(base, join(ws.root, 'linkdir'));
    await expect(ws.readFile('link.txt')).rejects.toThrow(/resolves outside the workspace/);
    await expect(ws.writeFile('link.txt', 'pwned')).rejects.toBeInstanceOf(PathOutsideWorkspaceError);
    await expect(ws.readFile('linkdir/secret.txt')).rejects.toBeInstanceOf(PathOutsideWorkspaceError);
    await expect(ws.writeFile('linkdir/new.txt', 'pwned')).rejects.toBeInstanceOf(PathOutsideWorkspaceError);
    await expect(ws.list('linkdir')).rejects.toBeInstanceOf(PathOutsideWorkspaceError);
    expect(readFileSync(join(base, 'secret.txt'), 'utf8')).toBe(SECRET);
    expect(existsSync(join(base, 'new.txt'))).toBe(false);
  });

  it('does not list or search through symlinks', async () => {
    symlinkSync(base, join(ws.root, 'linkdir'));
    await ws.writeFile('own.txt', 'mine');
    expect(await ws.files()).toEqual(['own.txt']);
  });

  it('refuses files over the size limit, both ways', async () => {
    await expect(ws.writeFile('big.txt', 'x'.repeat(2048))).rejects.toThrow(/2048 bytes; the limit is 1024/);
    writeFileSync(join(ws.root, 'big.txt'), 'x'.repeat(2048));
    await expect(ws.readFile('big.txt')).rejects.toThrow(/2048 bytes; the limit is 1024/);
  });

  it('allows what is inside: nested paths, ./ and a name that starts with dots', async () => {
    await ws.writeFile('./src/a/b.ts', 'ok');
    await ws.writeFile('..hidden', 'dots');
    expect(await ws.readFile('src/a/../a/b.ts')).toBe('ok');
    expect(await ws.readFile('..hidden')).toBe('dots');
    expect(await ws.list('.')).toEqual(['..hidden', 'src/']);
    expect(await ws.files()).toEqual(['..hidden', 'src/a/b.ts']);
  });

  it('follows a symlink that stays inside', async () => {
    await ws.writeFile('real.txt', 'inside');
    symlinkSync(join(ws.root, 'real.txt'), join(ws.root, 'alias.txt'));
    expect(await ws.readFile('alias.txt')).toBe('inside');
  });
});

describe('a workspace whose directory is swapped', () => {
  it('refuses a symlink in place of the directory at ensure()', async () => {
    symlinkSync(join(base, 'ws-evil'), join(base, 'linked'));
    await expect(Workspace.create(join(base, 'linked'))).rejects.toThrow("the task's directory was replaced (it is a symlink)");
  });

  it('notices a swap in verify() and removes nothing through the link', async () => {
    await ws.writeFile('mine.txt', 'mine');
    await ws.verify();
    renameSync(join(base, 'ws'), join(base, 'ws-moved'));
    symlinkSync(join(base, 'ws-evil'), join(base, 'ws'));
    await expect(ws.verify()).rejects.toThrow("the task's directory was replaced (it is a symlink)");
    await expect(ws.remove()).rejects.toThrow('not removed');
    expect(readFileSync(join(base, 'ws-evil', 'loot.txt'), 'utf8')).toBe(SECRET);
  });
});

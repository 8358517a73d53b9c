import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BareRepository } from '../support/git-repository';
import { podDirectory, useSandboxHive } from '../support/sandbox-fixture';
import { ask, makeTaskRoot } from '../support/sandbox-requests';
import { SANDBOX_ID } from '../support/sandbox-users';

const hive = useSandboxHive();
const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

describe("the sandbox's own git steps in a repository its commands configured", () => {
  it('run no clean filter, ignore no file and make no prefix-less patch: the patch applies with git apply and the push carries the same tree', async () => {
    const repo = BareRepository.create({ 'main.txt': 'base\n' }, SANDBOX_ID);
    const markers = podDirectory('hive-filter-marker-', SANDBOX_ID, SANDBOX_ID, 0o700);
    cleanups.push(() => repo.remove(), () => rmSync(markers, { recursive: true, force: true }));
    const marker = join(markers, 'clean-filter-ran');
    await hive.startSandbox();
    const socket = hive.volumes.socket;
    makeTaskRoot(hive.volumes.workspace);
    expect(await ask(socket, { op: 'prepare', task: 't1' })).toEqual({ ok: true });
    const { commit: base } = await ask(socket, { op: 'clone', task: 't1', url: repo.url, ref: 'main', timeoutMs: 30_000 });
    expect(base).toBe(repo.commit);

    // What a command (the model, or the repository's own build) can write: the task's .git/config and its HOME.
    const configure = [
      `git config filter.evil.clean 'touch ${marker}; cat'`,
      "echo '* filter=evil' > .gitattributes",
      'git config diff.noprefix true',
      'mkdir -p "$HOME/.config/git" && echo "*.c" > "$HOME/.config/git/ignore"',
      'echo changed >> main.txt',
      "echo 'int main(void) { return 0; }' > new.c",
    ].join(' && ');
    expect(await ask(socket, { op: 'run', task: 't1', command: configure, timeoutMs: 10_000, outputBytes: 4096 })).toMatchObject({ ok: true, exitCode: 0 });

    const diff = await ask(socket, { op: 'diff', task: 't1', base, maxBytes: 1 << 20, timeoutMs: 30_000 });
    expect(diff).toMatchObject({ ok: true, tooLarge: false });
    const patch = Buffer.from(diff.patchBase64 as string, 'base64').toString('utf8');
    expect(patch).toContain('diff --git a/main.txt b/main.txt');
    expect(patch).toContain('diff --git a/new.c b/new.c');
    const applied = repo.applyToFreshClone(patch);
    cleanups.push(() => rmSync(applied, { recursive: true, force: true }));
    expect(readFileSync(join(applied, 'main.txt'), 'utf8')).toBe('base\nchanged\n');

    const pushed = await ask(socket, { op: 'push', task: 't1', url: repo.url, branch: 'hive/configured', base, message: 'configured', token: 'unused-for-file-urls', timeoutMs: 30_000 });
    expect(pushed).toMatchObject({ ok: true });
    expect(repo.branch('hive/configured')).toBe(pushed.commit);
    const branch = repo.clone('hive/configured');
    cleanups.push(() => rmSync(branch, { recursive: true, force: true }));
    expect(readFileSync(join(branch, 'new.c'), 'utf8')).toBe('int main(void) { return 0; }\n');

    expect(existsSync(marker)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { useSandboxHive } from '../support/sandbox-fixture';
import { ask, makeTaskRoot } from '../support/sandbox-requests';

const hive = useSandboxHive();

/** A command's stdout, failing the test with the whole answer when it did not exit 0. */
async function run(task: string, command: string): Promise<string> {
  const answer = await ask(hive.volumes.socket, { op: 'run', task, command, timeoutMs: 10_000, outputBytes: 4096 });
  expect(answer, command).toMatchObject({ ok: true, exitCode: 0 });
  return answer.stdout as string;
}

describe("a task's HOME and TMPDIR", () => {
  it('are its own, outside the workspace, and what one task planted there is gone for the next', async () => {
    await hive.startSandbox();
    const socket = hive.volumes.socket;
    makeTaskRoot(hive.volumes.workspace);

    expect(await ask(socket, { op: 'prepare', task: 'task-a' })).toEqual({ ok: true });
    const [homeA, tmpA] = (await run('task-a', 'echo "$HOME $TMPDIR"')).trim().split(' ');
    await run('task-a', 'mkdir -p "$HOME/.config/git" && echo "*.c" > "$HOME/.config/git/ignore" && echo registry=http://evil > "$HOME/.npmrc" && touch "$TMPDIR/planted"');
    expect(await ask(socket, { op: 'cleanup', task: 'task-a' })).toEqual({ ok: true });

    expect(await ask(socket, { op: 'prepare', task: 'task-b' })).toEqual({ ok: true });
    const [homeB, tmpB] = (await run('task-b', 'echo "$HOME $TMPDIR"')).trim().split(' ');
    expect(homeB).not.toBe(homeA);
    expect(tmpB).not.toBe(tmpA);
    for (const dir of [homeA, tmpA, homeB, tmpB]) expect(dir.startsWith(hive.volumes.workspace)).toBe(false);
    expect(await run('task-b', `test ! -e ${homeA} && test ! -e ${tmpA} && echo gone`)).toBe('gone\n');
    expect(await run('task-b', 'ls -A "$HOME" "$TMPDIR"')).toBe(`${homeB}:\n\n${tmpB}:\n`);
  });
});

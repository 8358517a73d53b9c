import { readdirSync } from 'node:fs';
import { taskRoot } from '../../agent-runtime/src/sandbox/task-directories';
import { waitFor } from '../support/agent-process';
import { describe, expect, it } from 'vitest';
import { RecordedRequest, text, toolResults, toolUse, turnOf } from '../support/fake-messages-api';
import { enqueue, pendingCount, waitForResults } from '../support/hive-streams';
import { useSandboxHive } from '../support/sandbox-fixture';

const hive = useSandboxHive();

describe('commands that run away', () => {
  it('kills a fork bomb, an endless loop and a detached straggler at their limits while the agent stays ready, then runs the next task', async () => {
    const commands = [
      // The bomb hits the process cap; the sleep keeps the command alive until its timeout.
      'bomb() { bomb | bomb & }; bomb; sleep 60',
      'while :; do :; done',
      // A new session escapes the group kill, and a cleared environment any mark a command's processes could carry.
      // (It gets the time to clear it before the command ends.)
      "setsid sh -c 'sleep 3171' > /dev/null 2>&1 < /dev/null & setsid env -i sleep 3172 > /dev/null 2>&1 < /dev/null & sleep 0.5; echo detached",
    ];
    const seen: Array<{ content: string; is_error?: boolean }> = [];
    await hive.api((request: RecordedRequest) => {
      const turn = turnOf(request);
      if (JSON.stringify(request.body.messages[0].content).includes('Behave')) return text('behaved');
      if (turn > 1) seen.push(toolResults(request)[0]);
      return turn <= commands.length ? toolUse('run_command', { command: commands[turn - 1] }) : text('done');
    });
    // The process cap counts every process of the sandbox's uid, also those of other test files' sandboxes (as on a
    // node without user namespaces): this bomb stops well below the cap the others have, so they can still fork.
    const sandbox = await hive.startSandbox({ HIVE_SANDBOX_MAX_PROCESSES: '48' });
    const agent = await hive.startCodingAgent('developer', 'agent-developer-runaway', { HIVE_COMMAND_TIMEOUT_SECONDS: '2' });
    await agent.waitForReadiness(200);
    const client = hive.client();

    const readiness: number[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        readiness.push((await agent.get('/readyz').catch(() => ({ status: 0 }))).status);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    await enqueue(client, 'developer', 'task-runaway', { instructions: 'Misbehave.' });
    const [result] = await waitForResults(client, 1, 30_000);
    polling = false;
    await poll;

    expect(result.status).toBe('succeeded');
    const [bomb, loop, straggler] = seen;
    expect(bomb.content).toMatch(/^killed after 2 s: its timeout \(HIVE_COMMAND_TIMEOUT_SECONDS\); every process it started was killed/);
    expect(loop.content).toMatch(/^killed after 2 s: its timeout/);
    expect(straggler.content).toMatch(/^exit code 0\n--- stdout ---\ndetached/);
    expect(sandbox.leftovers()).toEqual([]);
    // Ready throughout: the sandbox answered its pings during the bomb.
    expect(readiness.length).toBeGreaterThan(10);
    expect(readiness.every((status) => status === 200)).toBe(true);

    await enqueue(client, 'developer', 'task-after', { instructions: 'Behave.' });
    const after = await waitForResults(client, 2);
    expect(after[1]).toMatchObject({ taskId: 'task-after', status: 'succeeded' });
  });

  it('kills a running command when its task is stopped (shutdown after the grace period) and gives the task back', async () => {
    await hive.api((request) => (turnOf(request) === 1 ? toolUse('run_command', { command: 'sleep 4242' }) : text('never')));
    const sandbox = await hive.startSandbox();
    const agent = await hive.startCodingAgent('developer', 'agent-developer-stopped', { HIVE_SHUTDOWN_GRACE_MS: '300' });
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'developer', 'task-stopped', { instructions: 'Wait.' });
    await waitFor(() => sandbox.leftovers().some((cmdline) => cmdline.includes('sleep 4242')), 10_000, 'the command to run');

    agent.kill('SIGTERM');
    expect((await agent.exited).code).toBe(0);
    await waitFor(() => !sandbox.leftovers().some((cmdline) => cmdline.includes('sleep 4242')), 3_000, 'the command killed');
    expect(await client.xlen('hive:results')).toBe(0);
    expect(await pendingCount(client, 'developer')).toBe(1);
    expect(agent.logs.find((l) => l.event === 'task released for another delivery')).toMatchObject({ reason: 'shutdown' });
    expect(readdirSync(taskRoot(hive.volumes.workspace))).toEqual([]);
  });
});

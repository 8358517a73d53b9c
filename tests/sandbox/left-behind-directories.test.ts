import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { taskRoot } from '../../agent-runtime/src/sandbox/task-directories';
import { waitFor } from '../support/agent-process';
import { RecordedRequest, text, toolUse, turnOf } from '../support/fake-messages-api';
import { enqueue, waitForResults } from '../support/hive-streams';
import { useSandboxHive } from '../support/sandbox-fixture';
import { SandboxProcess } from '../support/sandbox-process';

const hive = useSandboxHive();

describe('a task directory the sandbox could not remove', () => {
  it('is removed once the restarted sandbox answers again', async () => {
    let sandbox: SandboxProcess | undefined;
    await hive.api((request: RecordedRequest) => {
      // Build output only the sandbox's uid may remove, as a build's own files often are.
      if (turnOf(request) === 1) return toolUse('run_command', { command: 'mkdir -p build/cache && echo built > build/cache/out && chmod 700 build' });
      // The sandbox dies after the last command: the task's cleanup cannot reach it.
      sandbox!.kill();
      return text('done');
    });
    sandbox = await hive.startSandbox();
    const agent = await hive.startCodingAgent('developer', 'agent-developer-left-behind');
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'developer', 'task-left-behind', { instructions: 'build it' });
    const [result] = await waitForResults(client, 1);
    expect(result.status, result.output.error).toBe('succeeded');
    await waitFor(() => agent.logs.some((l) => l.event === 'workspace not removed'), 3_000, 'the failed cleanup');
    const root = taskRoot(hive.volumes.workspace);
    expect(readdirSync(root)).toHaveLength(1);

    await sandbox.exited;
    await hive.startSandbox();
    await waitFor(() => readdirSync(root).length === 0, 10_000, 'the left-behind directory removed');
  });
});

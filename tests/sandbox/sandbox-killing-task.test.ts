import { describe, expect, it } from 'vitest';
import { METRICS } from '../../agent-runtime/src/contract';
import { waitFor } from '../support/agent-process';
import { RecordedRequest, text, toolUse, turnOf } from '../support/fake-messages-api';
import { enqueue, waitForResults } from '../support/hive-streams';
import { useSandboxHive } from '../support/sandbox-fixture';
import { SandboxProcess } from '../support/sandbox-process';

const hive = useSandboxHive();

/** How often a released sandbox task came back, by reason, from the agent's metrics. */
const released = (metrics: string, reason: string) =>
  Number(metrics.split('\n').find((line) => line.startsWith(`${METRICS.tasksReleasedTotal}{`) && line.includes(`reason="${reason}"`))?.split(' ')[1] ?? 0);

describe('a task whose command kills the sandbox', () => {
  it('counts each delivery it lost the sandbox in and is dead-lettered at HIVE_MAX_DELIVERIES; a task that found the sandbox down is given back uncounted', async () => {
    await hive.api((request: RecordedRequest) => {
      const killer = JSON.stringify(request.body.messages[0].content).includes('kill it');
      // The command's parent is the sandbox server: killing it drops the connection of this very request.
      return killer && turnOf(request) === 1 ? toolUse('run_command', { command: 'kill -9 $PPID; sleep 5' }) : text('done');
    });
    const env = { HIVE_MAX_DELIVERIES: '2', HIVE_CLAIM_IDLE_MS: '600' };
    const agent = await hive.startCodingAgent('developer', 'agent-developer-killed', env);
    const client = hive.client();

    // No sandbox yet: the task is given back, again and again, without counting; it runs once the sandbox answers.
    await enqueue(client, 'developer', 'task-waits-for-sandbox', { instructions: 'just answer' });
    await waitFor(async () => released(await agent.metrics().catch(() => ''), 'sandbox_unavailable') >= 3, 15_000, 'the task given back three times');
    let sandbox: SandboxProcess = await hive.startSandbox();
    const [waited] = await waitForResults(client, 1, 15_000);
    expect(waited.status, waited.output.error).toBe('succeeded');

    // Restarted like a container whenever the task kills it, the sandbox is killed once per delivery until the task is dead-lettered.
    let restarts = 0;
    let starting = false;
    const restarting = setInterval(() => {
      if (starting || (sandbox.process.exitCode === null && sandbox.process.signalCode === null)) return;
      restarts++;
      starting = true;
      void hive.startSandbox().then((next) => {
        sandbox = next;
        starting = false;
      });
    }, 100);
    try {
      await enqueue(client, 'developer', 'task-kills-sandbox', { instructions: 'kill it' });
      const [, dead] = await waitForResults(client, 2, 20_000);
      expect(dead.taskId).toBe('task-kills-sandbox');
      expect(dead.status).toBe('dead_lettered');
      expect(dead.output.error).toBe('delivered 3 times (limit 2) without a result');
    } finally {
      clearInterval(restarting);
    }
    expect(restarts).toBe(2);
    expect(released(await agent.metrics(), 'sandbox_lost')).toBe(2);
  }, 60_000);
});

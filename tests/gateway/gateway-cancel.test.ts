import { TaskState } from '@a2a-js/sdk';
import type { Task } from '@a2a-js/sdk';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/agent-process';
import { text, toolUse, turnOf } from '../support/fake-messages-api';
import { instructions, sendRequest, waitForState } from '../support/a2a-messages';
import { useGateway } from '../support/gateway-fixture';

const hive = useGateway('sqlite');

describe('CancelTask', () => {
  it('stops the tool loop at the next turn boundary: no further model call, the task ends CANCELED, its workspace is removed', async () => {
    // Every turn calls a tool, so only the cancel ends the task; turn 2 is slow enough to cancel during it.
    const api = await hive.api((request) => ({ ...toolUse('write_file', { path: `turn-${turnOf(request)}.txt`, content: 'x' }), delayMs: turnOf(request) === 2 ? 1_500 : 0 }));
    const agent = await hive.startAgent('developer', 'dev-1');
    const gateway = await hive.startGateway();
    const client = await hive.a2a(gateway, 'developer');
    const submitted = (await client.sendMessage(sendRequest([instructions('write files forever')]))) as Task;
    await waitFor(() => api.requests.length === 2, 10_000, 'the second model call');

    const answered = await client.cancelTask({ tenant: '', id: submitted.id, metadata: undefined });
    expect(answered.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    const task = await waitForState(client, submitted.id, TaskState.TASK_STATE_CANCELED);
    expect(task.metadata).toMatchObject({ outcome: 'canceled', turns: 2 });
    // The files of the turns that ran are kept as artifacts.
    expect(task.artifacts.map((a) => a.name).sort()).toEqual(['turn-1.txt', 'turn-2.txt']);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(api.requests).toHaveLength(2);
    expect(readdirSync(agent.env.HIVE_WORKSPACE_DIR)).toEqual([]);

    await expect(client.cancelTask({ tenant: '', id: submitted.id, metadata: undefined })).rejects.toThrow(/already ended/);
  });

  it('cancels a task still waiting in the queue: the agent that picks it up makes no model call', async () => {
    const api = await hive.api(() => text('should not be asked'));
    const gateway = await hive.startGateway();
    const client = await hive.a2a(gateway, 'developer');
    const submitted = (await client.sendMessage(sendRequest([instructions('never runs')]))) as Task;
    const answered = await (await hive.a2a(gateway, 'developer')).cancelTask({ tenant: '', id: submitted.id, metadata: undefined }).catch((e: Error) => e);
    // No agent yet: the answer comes after the wait, with the task still submitted.
    expect((answered as Task).status?.state).toBe(TaskState.TASK_STATE_SUBMITTED);

    await hive.startAgent('developer', 'dev-1');
    await waitForState(client, submitted.id, TaskState.TASK_STATE_CANCELED);
    expect(api.requests).toHaveLength(0);
  }, 30_000);
});

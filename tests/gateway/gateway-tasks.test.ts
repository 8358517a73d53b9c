import { TaskState } from '@a2a-js/sdk';
import type { StreamResponse, Task } from '@a2a-js/sdk';
import { describe, expect, it } from 'vitest';
import { text, toolUse, turnOf } from '../support/fake-messages-api';
import { BINARY_SAMPLE, instructions, part, sendRequest, waitForState } from '../support/a2a-messages';
import { useGateway } from '../support/gateway-fixture';


/** Reads a file, writes a binary and a text file, then answers. */
const FOUR_TURNS = (request: Parameters<Parameters<ReturnType<typeof useGateway>['api']>[0]>[0]) => {
  switch (turnOf(request)) {
    case 1:
      return toolUse('read_file', { path: 'notes.txt' });
    case 2:
      return toolUse('write_file', { path: 'out/logo.bin', content: BINARY_SAMPLE.toString('base64'), encoding: 'base64' });
    case 3:
      return toolUse('write_file', { path: 'out/answer.md', content: '# done\n' });
    default:
      return text('All written.');
  }
};

const REQUEST_PARTS = [
  instructions('Copy the logo and write an answer.'),
  part({ $case: 'text', value: 'remember the logo' }, 'notes.txt', 'text/plain'),
  part({ $case: 'raw', value: BINARY_SAMPLE }, 'assets/logo.png', 'image/png'),
  part({ $case: 'data', value: { title: 'Logo copy', budget: { maxTurns: 10 } } }),
];

function expectFinished(task: Task): void {
  expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  expect(task.status?.message?.parts[0]?.content).toEqual({ $case: 'text', value: 'All written.' });
  const artifacts = Object.fromEntries(task.artifacts.map((a) => [a.name, a.parts[0].content]));
  expect(artifacts['out/answer.md']).toEqual({ $case: 'text', value: '# done\n' });
  expect(artifacts['out/logo.bin']?.$case).toBe('raw');
  expect(Buffer.from((artifacts['out/logo.bin'] as { value: Uint8Array }).value)).toEqual(BINARY_SAMPLE);
  expect(task.metadata).toMatchObject({ role: 'developer', client: 'alice', title: 'Logo copy', turns: 4, outcome: 'succeeded' });
}

for (const database of ['sqlite', 'postgres'] as const) {
  describe(`the gateway with its task history in ${database}`, () => {
    const hive = useGateway(database);

    it('takes a message with text and binary files, runs it on an agent, and returns the files it wrote as artifacts', async () => {
      const api = await hive.api(FOUR_TURNS);
      await hive.startAgent('developer', 'dev-1');
      const gateway = await hive.startGateway();
      const client = await hive.a2a(gateway, 'developer');

      const submitted = (await client.sendMessage(sendRequest(REQUEST_PARTS))) as Task;
      expect(submitted.status?.state).toBe(TaskState.TASK_STATE_SUBMITTED);
      const task = await waitForState(client, submitted.id, TaskState.TASK_STATE_COMPLETED);
      expectFinished(task);
      // The agent saw the seeded files: the binary one by name, the text one by content.
      expect(JSON.stringify(api.requests[0].body.messages)).toContain('assets/logo.png');
      expect(JSON.stringify(api.requests[1].body.messages)).toContain('remember the logo');
      // The history: the request, a message per turn that called tools, the final answer (the last turn).
      expect(task.history.map((m) => (m.parts[0].content as { value: string }).value)).toEqual([
        'Copy the logo and write an answer.',
        'turn 1: read_file; 15 tokens',
        'turn 2: write_file; 30 tokens',
        'turn 3: write_file; 45 tokens',
        'All written.',
      ]);
      const listed = await client.listTasks({ tenant: '', contextId: '', status: TaskState.TASK_STATE_UNSPECIFIED, pageToken: '', statusTimestampAfter: undefined });
      expect(listed.tasks.map((t) => [t.id, t.status?.state])).toEqual([[task.id, TaskState.TASK_STATE_COMPLETED]]);
    });

    it('streams a status update per turn, then the artifacts and the final state, over both transports', async () => {
      await hive.api(FOUR_TURNS);
      await hive.startAgent('developer', 'dev-1');
      const gateway = await hive.startGateway();
      for (const transport of ['JSONRPC', 'HTTP+JSON'] as const) {
        const client = await hive.a2a(gateway, 'developer', 'alice', transport);
        const events: StreamResponse[] = [];
        for await (const event of client.sendMessageStream(sendRequest(REQUEST_PARTS, false))) events.push(event);
        const kinds = events.map((e) => e.payload?.$case);
        expect(kinds, transport).toEqual(['task', 'statusUpdate', 'statusUpdate', 'statusUpdate', 'artifactUpdate', 'artifactUpdate', 'statusUpdate']);
        const turns = events.flatMap((e) => (e.payload?.$case === 'statusUpdate' && e.payload.value.status?.state === TaskState.TASK_STATE_WORKING ? [e.payload.value.metadata] : []));
        expect(turns.map((m) => [m?.turn, m?.toolCalls, m?.usage.input_tokens + m?.usage.output_tokens])).toEqual([
          [1, ['read_file'], 15],
          [2, ['write_file'], 30],
          [3, ['write_file'], 45],
        ]);
        const last = events.at(-1)!.payload;
        expect(last?.$case === 'statusUpdate' && last.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
        const taskId = (events[0].payload?.value as Task).id;
        expectFinished(await client.getTask({ tenant: '', id: taskId }));
      }
    });

    it('lets another gateway replica follow a running task (SubscribeToTask) and a blocking SendMessage wait for the end', async () => {
      await hive.api((request) => (turnOf(request) === 1 ? { ...toolUse('write_file', { path: 'a.txt', content: 'a' }), delayMs: 600 } : text('done')));
      await hive.startAgent('developer', 'dev-1');
      const [first, second] = [await hive.startGateway(), await hive.startGateway()];
      const submitted = (await (await hive.a2a(first, 'developer')).sendMessage(sendRequest([instructions('write a')]))) as Task;
      const events: StreamResponse[] = [];
      for await (const event of (await hive.a2a(second, 'developer')).resubscribeTask({ tenant: '', id: submitted.id })) events.push(event);
      expect(events[0].payload?.$case).toBe('task');
      const last = events.at(-1)!.payload;
      expect(last?.$case === 'statusUpdate' && last.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(events.some((e) => e.payload?.$case === 'artifactUpdate' && e.payload.value.artifact?.name === 'a.txt')).toBe(true);

      const blocked = (await (await hive.a2a(second, 'developer')).sendMessage(sendRequest([instructions('write a again')], false))) as Task;
      expect(blocked.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      // A2A 1.0: an ended task cannot be subscribed to.
      await expect(
        (async () => {
          for await (const _ of (await hive.a2a(first, 'developer')).resubscribeTask({ tenant: '', id: blocked.id }));
        })(),
      ).rejects.toThrow(/has ended \(TASK_STATE_COMPLETED\); GetTask returns it/);
    });
  });
}

import { Role, TaskState } from '@a2a-js/sdk';
import type { Message, Part, StreamResponse, Task } from '@a2a-js/sdk';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { text, toolUse, turnOf } from '../support/fake-messages-api';
import { useGateway } from '../support/gateway-fixture';

const hive = useGateway('sqlite');

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x80]);

function part(content: Part['content'], filename = '', mediaType = ''): Part {
  return { content, filename, mediaType, metadata: undefined };
}

function message(parts: Part[]): Message {
  return { messageId: randomUUID(), contextId: '', taskId: '', role: Role.ROLE_USER, parts, metadata: undefined, extensions: [], referenceTaskIds: [] };
}

describe('the gateway on the happy path', () => {
  it('takes a message with text and binary files, runs it on an agent, and returns the files it wrote as artifacts', async () => {
    const api = await hive.api((request) => {
      switch (turnOf(request)) {
        case 1:
          return toolUse('read_file', { path: 'notes.txt' });
        case 2:
          return toolUse('write_file', { path: 'out/logo.bin', content: PNG.toString('base64'), encoding: 'base64' });
        case 3:
          return toolUse('write_file', { path: 'out/answer.md', content: '# done\n' });
        default:
          return text('All written.');
      }
    });
    await hive.startAgent('developer', 'dev-1');
    const gateway = await hive.startGateway();
    const client = await hive.a2a(gateway, 'developer');

    const sent = await client.sendMessage({
      tenant: '',
      message: message([
        part({ $case: 'text', value: 'Copy the logo and write an answer.' }),
        part({ $case: 'text', value: 'remember the logo' }, 'notes.txt', 'text/plain'),
        part({ $case: 'raw', value: PNG }, 'assets/logo.png', 'image/png'),
        part({ $case: 'data', value: { title: 'Logo copy', budget: { maxTurns: 10 } } }),
      ]),
      configuration: { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately: true },
      metadata: undefined,
    });
    const submitted = sent as Task;
    expect(submitted.status?.state).toBe(TaskState.TASK_STATE_SUBMITTED);

    let task: Task;
    const deadline = Date.now() + 15_000;
    do {
      task = await client.getTask({ tenant: '', id: submitted.id });
      if (task.status?.state === TaskState.TASK_STATE_COMPLETED) break;
      await new Promise((r) => setTimeout(r, 100));
    } while (Date.now() < deadline);
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const final = task.status?.message?.parts[0]?.content;
    expect(final).toEqual({ $case: 'text', value: 'All written.' });
    const artifacts = Object.fromEntries(task.artifacts.map((a) => [a.name, a.parts[0].content]));
    expect(artifacts['out/answer.md']).toEqual({ $case: 'text', value: '# done\n' });
    expect(artifacts['out/logo.bin']?.$case).toBe('raw');
    expect(Buffer.from((artifacts['out/logo.bin'] as { value: Uint8Array }).value)).toEqual(PNG);
    // The agent saw the seeded files: the binary one by name, the text one by content.
    expect(JSON.stringify(api.requests[0].body.messages)).toContain('assets/logo.png');
    expect(JSON.stringify(api.requests[1].body.messages)).toContain('remember the logo');
  });
});

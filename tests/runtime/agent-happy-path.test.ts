import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../agent-runtime/src/contract';
import { waitFor } from '../support/agent-process';
import { apiError, message, toolResults, toolUse, turnOf } from '../support/fake-messages-api';
import { useHive } from '../support/hive-fixture';
import { enqueue, waitForResults } from '../support/hive-streams';
import { RedisServer } from '../support/redis-server';

const hive = useHive();

describe('an agent on the happy path', () => {
  it('takes a task, uses the file tools, publishes the result with the files it wrote, and removes the workspace', async () => {
    const api = await hive.api((request) => {
      const call = turnOf(request);
      if (call === 1) return toolUse('read_file', { path: 'src/greet.ts' });
      if (call === 2) {
        expect(toolResults(request)[0].content).toContain('hello');
        return toolUse('edit_file', { path: 'src/greet.ts', old_string: 'hello', new_string: 'hello, world' });
      }
      if (call === 3) return toolUse('write_file', { path: 'notes/done.md', content: '# done\n' });
      if (call === 4) return toolUse('list_directory', { path: 'src' });
      if (call === 5) {
        expect(toolResults(request)[0].content).toBe('greet.ts');
        return toolUse('search_files', { text: 'world' });
      }
      expect(toolResults(request)[0].content).toContain("src/greet.ts:1: export const greet = 'hello, world';");
      return message([{ type: 'text', text: 'Changed the greeting.' }], 'end_turn', { input_tokens: 100, output_tokens: 20 });
    });
    const agent = await hive.startAgent('developer', 'agent-developer-a');
    await agent.waitForReadiness(200);

    const client = hive.client();
    await enqueue(client, 'developer', 'task-1', {
      title: 'Greeting',
      instructions: 'Make the greeting say hello, world.',
      files: { 'src/greet.ts': "export const greet = 'hello';\n" },
    });
    const [result] = await waitForResults(client, 1);

    expect(result).toMatchObject({ taskId: 'task-1', role: 'developer', agent: 'agent-developer-a', status: 'succeeded' });
    expect(result.output.text).toBe('Changed the greeting.');
    expect(result.output.files).toEqual({ 'src/greet.ts': "export const greet = 'hello, world';\n", 'notes/done.md': '# done\n' });
    expect(result.output.turns).toBe(6);
    expect(result.output.usage).toEqual({ input_tokens: 150, output_tokens: 45 });

    const first = api.requests[0].body;
    expect(first.model).toBe('claude-test');
    expect(first.system).toContain('developer agent');
    expect(first.tools!.map((t) => t.name)).toEqual(['read_file', 'write_file', 'edit_file', 'list_directory', 'search_files']);
    const { authorization, 'x-api-key': apiKey } = api.requests[0].headers;
    expect(apiKey ?? authorization).toMatch(/^(Bearer )?sk-ant-test-key-0123456789$/);

    // The directory goes after the result is published and logged: wait for it, briefly.
    await waitFor(() => readdirSync(agent.env.HIVE_WORKSPACE_DIR).length === 0, 2_000, 'the task directory removed');
    expect(existsSync(agent.env.HIVE_WORKSPACE_DIR)).toBe(true);

    const metrics = await agent.metrics();
    expect(metrics).toContain(`${METRICS.tasksTotal}{role="developer",outcome="succeeded",track="stable"} 1`);
    expect(metrics).toContain(`${METRICS.llmRequestsTotal}{role="developer",status="ok",track="stable"} 6`);
    expect(metrics).toContain(`${METRICS.llmTokensTotal}{role="developer",kind="input",track="stable"} 150`);
    expect(metrics).toMatch(new RegExp(`${METRICS.dispatchLatencySeconds}_count\\{track="stable",role="developer"\\} 1`));
    expect(metrics).toContain(`${METRICS.agentReady}{role="developer",track="stable"} 1`);
    expect(metrics).toContain(`${METRICS.agentCapacity}{role="developer",track="stable"} 1`);
    expect(metrics).toContain('process_resident_memory_bytes');
  });

  it('never logs or publishes the API key or the Redis password, even where they reach a log line or a result', async () => {
    const key = 'sk-ant-test-key-0123456789';
    // An API that quotes the key in its error puts it into the task-failure log line.
    await hive.api(() => apiError(401, 'authentication_error', `invalid x-api-key: ${key}`));
    const password = 'redis-secret-pass-42';
    const guarded = await RedisServer.start();
    try {
      const setup = guarded.client();
      await setup.config('SET', 'requirepass', password);
      setup.disconnect();
      // The password in the URL too: the start-up line logs the URL.
      const agent = await hive.startAgent('qa', 'agent-qa-a', { REDIS_URL: `redis://:${password}@127.0.0.1:${guarded.port}`, REDIS_PASSWORD: password });
      await agent.waitForReadiness(200);
      const authed = guarded.client(password);
      await enqueue(authed, 'qa', 'task-secret', { instructions: 'x' });
      const [result] = await waitForResults(authed, 1);
      expect(result.output.error).toContain('invalid x-api-key: [redacted]');
      authed.disconnect();
      const failed = await agent.waitForLog('task failed');
      expect(String(failed.error)).toContain('invalid x-api-key: [redacted]');
      expect(agent.logs.find((l) => l.event === 'starting')!.redis).toBe(`redis://:***@127.0.0.1:${guarded.port}`);
      const everything = JSON.stringify(agent.logs) + agent.stderr + (await agent.metrics());
      expect(everything).not.toContain(key);
      expect(everything).not.toContain(password);
    } finally {
      await guarded.destroy();
    }
  });
});

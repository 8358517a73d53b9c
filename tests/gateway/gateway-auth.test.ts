import { TaskState } from '@a2a-js/sdk';
import type { Task } from '@a2a-js/sdk';
import { describe, expect, it } from 'vitest';
import { text } from '../support/fake-messages-api';
import { instructions, rawRpc, sendRequest, waitForState } from '../support/a2a-messages';
import { useGateway } from '../support/gateway-fixture';

const hive = useGateway('sqlite');

const GET_TASK = (id: string) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id } });

describe('gateway auth and tenancy', () => {
  it('refuses a request without a token or with a wrong one (401), and serves the agent card without one', async () => {
    const gateway = await hive.startGateway();
    const url = `${gateway.url}/a2a/developer/jsonrpc`;
    const none = await rawRpc(url, GET_TASK('x'));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(none.json.error?.message).toMatch(/missing bearer token/);
    const wrong = await rawRpc(url, GET_TASK('x'), { Authorization: 'Bearer hive_not-a-token' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error?.message).toBe('invalid bearer token');
    const rest = await fetch(`${gateway.url}/a2a/developer/rest/tasks/x`, { headers: { 'A2A-Version': '1.0' } });
    expect(rest.status).toBe(401);
    expect((await rest.json()).error.status).toBe('UNAUTHENTICATED');

    const card = await (await fetch(`${gateway.url}/a2a/developer/.well-known/agent-card.json`)).json();
    expect(card.supportedInterfaces).toEqual([
      expect.objectContaining({ url: `${gateway.url}/a2a/developer/jsonrpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }),
      expect.objectContaining({ url: `${gateway.url}/a2a/developer/rest`, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' }),
    ]);
    expect(card.capabilities.streaming).toBe(true);
    expect(JSON.stringify(card.securitySchemes)).toContain('Bearer');
    expect(card.skills[0].id).toBe('developer');

    const metrics = await gateway.metrics();
    // Refused before the body is read: a JSON-RPC method is not known then, a REST one is (from the path).
    expect(metrics).toMatch(/hive_gateway_requests_total\{method="unparsed",code="401"\} 2/);
    expect(metrics).toMatch(/hive_gateway_requests_total\{method="GetTask",code="401"\} 1/);
    expect(metrics).toMatch(/hive_gateway_requests_total\{method="GetAgentCard",code="200"\} 1/);
    expect(metrics).toMatch(/hive_gateway_request_duration_seconds_count\{method="unparsed"\} 2/);
  });

  it("answers another client's task as not found, for GetTask, CancelTask, SubscribeToTask and ListTasks", async () => {
    await hive.api(() => text('done'));
    await hive.startAgent('developer', 'dev-1');
    const gateway = await hive.startGateway();
    const alice = await hive.a2a(gateway, 'developer', 'alice');
    const bob = await hive.a2a(gateway, 'developer', 'bob');
    const task = (await alice.sendMessage(sendRequest([instructions('private work')]))) as Task;
    await waitForState(alice, task.id, TaskState.TASK_STATE_COMPLETED);

    await expect(bob.getTask({ tenant: '', id: task.id })).rejects.toThrow(/not found/);
    await expect(bob.cancelTask({ tenant: '', id: task.id, metadata: undefined })).rejects.toThrow(/not found/);
    await expect(
      (async () => {
        for await (const _ of bob.resubscribeTask({ tenant: '', id: task.id }));
      })(),
    ).rejects.toThrow(/not found/);
    const list = { tenant: '', contextId: '', status: TaskState.TASK_STATE_UNSPECIFIED, pageToken: '', statusTimestampAfter: undefined };
    expect((await bob.listTasks(list)).tasks).toEqual([]);
    expect((await alice.listTasks(list)).tasks.map((t) => t.id)).toEqual([task.id]);
    const metrics = await gateway.metrics();
    expect(metrics).toMatch(/hive_gateway_tasks_total\{role="developer",client="alice"\} 1/);
    // The SDK answers JSON-RPC errors with HTTP 200; the metric counts them as the status they stand for.
    expect(metrics).toMatch(/hive_gateway_requests_total\{method="GetTask",code="404"\} 1/);
  });

  it('answers 429 with Retry-After over the rate limit and over the in-flight limit, and enqueues nothing then', async () => {
    const gateway = await hive.startGateway({ HIVE_GATEWAY_RATE_LIMIT: '5', HIVE_GATEWAY_MAX_IN_FLIGHT: '2' });
    const url = `${gateway.url}/a2a/developer/jsonrpc`;
    const auth = { Authorization: `Bearer ${hive.tokens.alice}` };
    const send = (n: number) => JSON.stringify({ jsonrpc: '2.0', id: n, method: 'SendMessage', params: { message: { messageId: `m${n}`, role: 'ROLE_USER', parts: [{ text: 'work' }] }, configuration: { returnImmediately: true } } });
    // No agent runs: two tasks stay in flight, the third is refused.
    expect((await rawRpc(url, send(1), auth)).json.result).toBeDefined();
    expect((await rawRpc(url, send(2), auth)).json.result).toBeDefined();
    const third = await rawRpc(url, send(3), auth);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('5');
    expect(third.json.error?.message).toMatch(/2 tasks in flight, the limit is 2/);
    expect(await hive.client().xlen('hive:tasks:developer')).toBe(2);
    // Nor around the limit by the URL's case or a trailing slash, which the routes accept.
    const rest = (path: string) =>
      fetch(`${gateway.url}/a2a/developer/${path}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', 'A2A-Version': '1.0' },
        body: JSON.stringify({ message: { messageId: 'r', role: 'ROLE_USER', parts: [{ text: 'work' }] }, configuration: { returnImmediately: true } }),
      });
    for (const path of ['rest/message:send', 'rest/message:send/', 'rest/MESSAGE:SEND', 'REST/message:send']) expect((await rest(path)).status, path).toBe(429);
    expect((await rawRpc(`${url}/`, send(5), auth)).status).toBe(429);
    expect(await hive.client().xlen('hive:tasks:developer')).toBe(2);
    // bob has his own limits.
    expect((await rawRpc(url, send(4), { Authorization: `Bearer ${hive.tokens.bob}` })).json.result).toBeDefined();

    await new Promise((r) => setTimeout(r, 1_000 - (Date.now() % 1_000))); // a fresh one-second window
    const answers = await Promise.all(Array.from({ length: 8 }, () => rawRpc(url, GET_TASK('x'), auth)));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(3);
    expect(limited[0].headers.get('retry-after')).toBe('1');
    expect(limited[0].json.error?.message).toMatch(/rate limit/);
  });
});

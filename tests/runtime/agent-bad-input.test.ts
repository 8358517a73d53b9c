import { describe, expect, it } from 'vitest';
import { duplicateSeries, waitFor } from '../support/agent-process';
import { apiError, message, text, toolResults, toolUse } from '../support/fake-messages-api';
import { useHive } from '../support/hive-fixture';
import { deadLetters, enqueue, pendingCount, results, waitForResults } from '../support/hive-streams';

const hive = useHive();

describe('bad input loses nothing and gets a clear reason', () => {
  it('sends malformed entries straight to the dead-letter stream with the reason, without an LLM call', async () => {
    const api = await hive.api(() => text('never'));
    const agent = await hive.startAgent('developer', 'agent-developer-dlq');
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'developer', '', null, ['id', 'bad-json', 'payload', '{not json']);
    await enqueue(client, 'developer', '', null, ['payload', JSON.stringify({ instructions: 'x' })]);
    await enqueue(client, 'developer', '', null, ['id', 'no-payload']);
    await enqueue(client, 'developer', '', null, ['id', 'no-instructions', 'payload', JSON.stringify({ title: 'x' })]);
    await enqueue(client, 'developer', '', null, ['id', 'wrong-role', 'role', 'wizard', 'payload', JSON.stringify({ instructions: 'x' })]);
    await enqueue(client, 'developer', '', null, ['id', 'bad budget', 'payload', JSON.stringify({ instructions: 'x' })]);
    await enqueue(client, 'developer', '', null, ['id', 'bad-files', 'payload', JSON.stringify({ instructions: 'x', files: { 'a.txt': 3 } })]);

    await waitFor(async () => (await deadLetters(client, 'developer')).length === 7, 10_000, '7 dead letters');
    const dlq = await deadLetters(client, 'developer');
    expect(dlq.map((d) => d.error)).toEqual([
      expect.stringMatching(/^malformed task: payload is not JSON/),
      "malformed task: missing field 'id'",
      "malformed task: missing field 'payload'",
      'malformed task: payload.instructions must be a non-empty string',
      "malformed task: entry names role 'wizard', but it is in the developer stream",
      expect.stringMatching(/^malformed task: field 'id' must be/),
      "malformed task: payload.files['a.txt'] must be a string",
    ]);
    expect(dlq[0]).toMatchObject({ id: 'bad-json', payload: '{not json', deliveries: '1' });
    expect(api.requests).toHaveLength(0);
    expect(await pendingCount(client, 'developer')).toBe(0);
    // Every entry with a usable task id also gets its one result, so its producer learns the outcome.
    const published = await results(client);
    expect(published.map((r) => [r.taskId, r.status])).toEqual([
      ['bad-json', 'dead_lettered'],
      ['no-payload', 'dead_lettered'],
      ['no-instructions', 'dead_lettered'],
      ['wrong-role', 'dead_lettered'],
      ['bad-files', 'dead_lettered'],
    ]);
    expect(published[0].output).toMatchObject({ text: '', files: {}, turns: 0, error: expect.stringMatching(/^malformed task: payload is not JSON/) });
    expect(await client.hgetall('hive:result:no-payload')).toMatchObject({ status: 'dead_lettered', output: expect.stringContaining("missing field 'payload'") });
    const scrape = await agent.metrics();
    expect(scrape).toContain('hive_dead_letters_total{role="developer",track="stable"} 7');
    expect(duplicateSeries(scrape)).toEqual([]);
  });

  it('dead-letters a poison task that was delivered more than HIVE_MAX_DELIVERIES times', async () => {
    const api = await hive.api(() => text('never'));
    const client = hive.client();
    await client.xgroup('CREATE', 'hive:tasks:qa', 'qa', '0', 'MKSTREAM');
    const entryId = await enqueue(client, 'qa', 'task-poison', { instructions: 'crashes every agent' });
    // A consumer that took it and died, after it had already been delivered 5 times.
    await client.xreadgroup('GROUP', 'qa', 'agent-qa-dead', 'COUNT', 1, 'STREAMS', 'hive:tasks:qa', '>');
    await client.xclaim('hive:tasks:qa', 'qa', 'agent-qa-dead', 0, entryId, 'RETRYCOUNT', 5);
    const agent = await hive.startAgent('qa', 'agent-qa-live', { HIVE_MAX_DELIVERIES: '5', HIVE_CLAIM_IDLE_MS: '500' });
    await waitFor(async () => (await deadLetters(client, 'qa')).length === 1, 10_000, 'the dead letter');
    const [dead] = await deadLetters(client, 'qa');
    expect(dead).toMatchObject({ id: 'task-poison', deliveries: '6', entryId });
    expect(dead.error).toBe('delivered 6 times (limit 5) without a result');
    expect((await results(client)).map((r) => [r.taskId, r.status, r.output.error])).toEqual([['task-poison', 'dead_lettered', dead.error]]);
    expect(api.requests).toHaveLength(0);
    expect(await pendingCount(client, 'qa')).toBe(0);
    await agent.waitForLog('task dead-lettered');
  });

  it('lets meta dead-letter an over-delivered task of a role whose agents keep crashing', async () => {
    await hive.api(() => text('never'));
    const client = hive.client();
    await client.xgroup('CREATE', 'hive:tasks:architect', 'architect', '0', 'MKSTREAM');
    const entryId = await enqueue(client, 'architect', 'task-kills-architects', { instructions: 'x' });
    await client.xreadgroup('GROUP', 'architect', 'agent-architect-dead', 'COUNT', 1, 'STREAMS', 'hive:tasks:architect', '>');
    await client.xclaim('hive:tasks:architect', 'architect', 'agent-architect-dead', 0, entryId, 'RETRYCOUNT', 7);
    await hive.startAgent('meta', 'agent-meta-1', { HIVE_MAX_DELIVERIES: '5', HIVE_CLAIM_IDLE_MS: '500' });
    await waitFor(async () => (await deadLetters(client, 'architect')).length === 1, 10_000, 'the dead letter');
    expect((await deadLetters(client, 'architect'))[0].error).toMatch(/^delivered 7 times without a result \(limit 5\)/);
    expect((await results(client)).map((r) => [r.taskId, r.status])).toEqual([['task-kills-architects', 'dead_lettered']]);
    expect(await pendingCount(client, 'architect')).toBe(0);
  });

  it('does not process a task id twice', async () => {
    const api = await hive.api(() => text('done once'));
    const agent = await hive.startAgent('developer', 'agent-developer-idem');
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'developer', 'task-same', { instructions: 'once' });
    await waitForResults(client, 1);
    await enqueue(client, 'developer', 'task-same', { instructions: 'once' });
    await agent.waitForLog('task already has a result; acknowledged without processing');
    expect(await results(client)).toHaveLength(1);
    expect(api.requests).toHaveLength(1);
    expect(await pendingCount(client, 'developer')).toBe(0);
  });

  it('retries 429 and 529 through the SDK and then succeeds', async () => {
    const api = await hive.api((_, call) => (call === 1 ? apiError(429, 'rate_limit_error', 'slow down') : call === 2 ? apiError(529, 'overloaded_error', 'busy') : text('finally')));
    const agent = await hive.startAgent('qa', 'agent-qa-retry');
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'qa', 'task-retry', { instructions: 'x' });
    const [result] = await waitForResults(client, 1);
    expect(result).toMatchObject({ status: 'succeeded', output: { text: 'finally', turns: 1 } });
    expect(api.requests).toHaveLength(3);
  });

  it('fails a task on a non-retryable API error with the API message and request id', async () => {
    await hive.api(() => apiError(400, 'invalid_request_error', 'messages: too long', 'req_abc123'));
    const agent = await hive.startAgent('qa', 'agent-qa-400');
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'qa', 'task-400', { instructions: 'x' });
    const [result] = await waitForResults(client, 1);
    expect(result.status).toBe('failed');
    expect(result.output.error).toBe('Messages API error 400: messages: too long (request id req_abc123)');
    expect(await agent.metrics()).toContain('hive_tasks_total{role="qa",outcome="failed",track="stable"} 1');
    expect(await agent.metrics()).toContain('hive_llm_requests_total{role="qa",status="400",track="stable"} 1');
  });

  it('releases a task while the API keeps answering 500, so it is retried later and nothing is lost', async () => {
    let healthy = false;
    const api = await hive.api(() => (healthy ? text('recovered') : apiError(500, 'api_error', 'boom')));
    const agent = await hive.startAgent('developer', 'agent-developer-500', { HIVE_CLAIM_IDLE_MS: '1000' });
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'developer', 'task-500', { instructions: 'x' });
    await agent.waitForLog('task released for another delivery', 20_000);
    expect(await results(client)).toEqual([]);
    expect(await pendingCount(client, 'developer')).toBe(1);
    healthy = true;
    const [result] = await waitForResults(client, 1);
    expect(result).toMatchObject({ status: 'succeeded', output: { text: 'recovered' } });
    expect(api.requests.length).toBeGreaterThan(2);
  });

  it('fails a task on a malformed API response instead of crashing', async () => {
    await hive.api((_, call) => (call === 1 ? { body: { type: 'message', content: 'not a list' } } : text('ok')));
    const agent = await hive.startAgent('architect', 'agent-architect-bad');
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'architect', 'task-garbage', { instructions: 'x' });
    await enqueue(client, 'architect', 'task-after-garbage', { instructions: 'x' });
    const all = await waitForResults(client, 2);
    expect(all[0]).toMatchObject({ taskId: 'task-garbage', status: 'failed' });
    expect(all[0].output.error).toMatch(/malformed response/);
    expect(all[1]).toMatchObject({ taskId: 'task-after-garbage', status: 'succeeded' });
  });

  it('honours the task budget, refusal, max_tokens and pause_turn, and sends tool errors back as is_error results', async () => {
    const api = await hive.api((request, call) => {
      const instructions = JSON.stringify(request.body.messages[0]);
      if (instructions.includes('loop')) return toolUse('list_directory', {});
      if (instructions.includes('refuse')) return message([{ type: 'text', text: 'I cannot help with that.' }], 'refusal');
      if (instructions.includes('pause')) {
        // The paused turn goes back as the assistant's last message, and the model resumes it.
        const last = request.body.messages[request.body.messages.length - 1];
        return last.role === 'assistant' ? text('resumed') : message([{ type: 'text', text: 'thinking' }], 'pause_turn');
      }
      if (instructions.includes('cut')) {
        const continued = request.body.messages.length > 1;
        return continued ? text('second half') : message([{ type: 'text', text: 'first half' }], 'max_tokens');
      }
      // Tool error path: a missing file, then a finish.
      if (call > 0 && toolResults(request).length > 0) {
        expect(toolResults(request)[0]).toMatchObject({ is_error: true });
        return text('handled the error');
      }
      return toolUse('read_file', { path: 'missing.txt' });
    });
    const agent = await hive.startAgent('developer', 'agent-developer-budget', { HIVE_CONCURRENCY: '4' });
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'developer', 'task-loop', { instructions: 'loop', budget: { maxTurns: 3 } });
    await enqueue(client, 'developer', 'task-refuse', { instructions: 'refuse' });
    await enqueue(client, 'developer', 'task-cut', { instructions: 'cut' });
    await enqueue(client, 'developer', 'task-tool-error', { instructions: 'read' });
    await enqueue(client, 'developer', 'task-pause', { instructions: 'pause' });
    const byId = Object.fromEntries((await waitForResults(client, 5)).map((r) => [r.taskId, r]));
    expect(byId['task-loop']).toMatchObject({ status: 'failed', output: { turns: 3, error: 'stopped after 3 turns (budget maxTurns 3)' } });
    expect(byId['task-refuse']).toMatchObject({ status: 'failed', output: { error: 'the model refused the task: I cannot help with that.' } });
    expect(byId['task-cut']).toMatchObject({ status: 'succeeded', output: { text: 'second half', turns: 2 } });
    expect(byId['task-tool-error']).toMatchObject({ status: 'succeeded', output: { text: 'handled the error' } });
    expect(byId['task-pause']).toMatchObject({ status: 'succeeded', output: { text: 'resumed', turns: 2 } });
    expect(api.requests.length).toBeGreaterThanOrEqual(8);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rawRpc } from '../support/a2a-messages';
import { useGateway } from '../support/gateway-fixture';

const hive = useGateway('sqlite');

const send = (parts: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'SendMessage', params: { message: { messageId: 'm1', role: 'ROLE_USER', parts }, configuration: { returnImmediately: true }, ...extra } });

describe('bad input at the gateway', () => {
  it('answers each with an error that names the problem, and enqueues nothing', async () => {
    const gateway = await hive.startGateway({ HIVE_MAX_TURNS: '20', HIVE_MAX_TOKENS: '50000', HIVE_GATEWAY_MAX_BODY_BYTES: '200000' });
    const auth = { Authorization: `Bearer ${hive.tokens.alice}` };
    const url = `${gateway.url}/a2a/developer/jsonrpc`;
    const cases: Array<[string, string, string, number, number, RegExp]> = [
      ['malformed JSON', url, '{"jsonrpc": "2.0", "method": ', 400, -32700, /not JSON/],
      ['not JSON-RPC', url, JSON.stringify({ hello: 'world' }), 200, -32602, /Invalid JSON-RPC Request/],
      ['an unknown method', url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'RunEverything', params: {} }), 200, -32601, /Invalid method/],
      ['an unknown role', `${gateway.url}/a2a/janitor/jsonrpc`, send([{ text: 'x' }]), 404, -32601, /unknown role 'janitor': the roles are architect, developer, qa, meta/],
      ['an oversize body', url, send([{ text: 'x'.repeat(300_000) }]), 413, -32013, /larger than 200000 bytes/],
      ['a budget over the cap', url, send([{ text: 'x' }, { data: { budget: { maxTurns: 21 } } }]), 200, -32602, /budget.maxTurns is 21, over the role's cap of 20/],
      ['a token budget over the cap', url, send([{ text: 'x' }, { data: { budget: { maxTokens: 50001 } } }]), 200, -32602, /maxTokens is 50001, over the role's cap of 50000/],
      ['an unknown data field', url, send([{ text: 'x' }, { data: { priority: 1 } }]), 200, -32602, /unknown field 'priority'/],
      ['no instructions', url, send([{ text: 'file', filename: 'a.txt' }]), 200, -32602, /no instructions/],
      ['a file outside the workspace', url, send([{ text: 'x' }, { text: 'secret', filename: '../etc/passwd' }]), 200, -32602, /'..\/etc\/passwd' is outside the workspace/],
      ['an absolute file name', url, send([{ text: 'x' }, { raw: 'AAAA', filename: '/etc/passwd' }]), 200, -32602, /outside the workspace/],
      ['a file URL', url, send([{ text: 'x' }, { url: 'https://example.com/a.txt', filename: 'a.txt' }]), 200, -32602, /file URLs are not fetched/],
      ['a tenant', url, send([{ text: 'x' }], { tenant: 'other' }), 200, -32602, /tenants are not used/],
      ['a context id too long for the history', url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: 'm', contextId: 'c'.repeat(37), role: 'ROLE_USER', parts: [{ text: 'x' }] } } }), 200, -32602, /contextId must be 1-36/],
      ['a list page of -2', url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ListTasks', params: { pageSize: -2 } }), 200, -32602, /pageSize must be an integer from 1 to 100/],
      ['a list page of 1000', url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ListTasks', params: { pageSize: 1000 } }), 200, -32602, /pageSize/],
      ['a negative history length', url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ListTasks', params: { historyLength: -1 } }), 200, -32602, /historyLength/],
      ['a follow-up on a task', url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: 'm', taskId: 'abc', role: 'ROLE_USER', parts: [{ text: 'x' }] } } }), 200, -32602, /starts a new task/],
    ];
    for (const [what, target, body, status, code, message] of cases) {
      const answer = await rawRpc(target, body, auth);
      expect([answer.status, answer.json.error?.code], what).toEqual([status, code]);
      expect(answer.json.error?.message, what).toMatch(message);
    }
    const redis = hive.client();
    expect(await redis.keys('hive:tasks:*')).toEqual([]);
    // The gateway still answers: nothing above broke it.
    expect((await rawRpc(url, send([{ text: 'fine' }]), auth)).json.result).toBeDefined();
    expect(await redis.xlen('hive:tasks:developer')).toBe(1);
  });

  it('refuses files an agent would refuse (over its per-file limit, or too much in all), and enqueues nothing', async () => {
    const gateway = await hive.startGateway();
    const auth = { Authorization: `Bearer ${hive.tokens.alice}` };
    const url = `${gateway.url}/a2a/developer/jsonrpc`;
    const file = (name: string, bytes: number) => ({ raw: Buffer.alloc(bytes, 1).toString('base64'), filename: name });
    const big = await rawRpc(url, send([{ text: 'x' }, file('big.bin', 1024 * 1024 + 1)]), auth);
    expect([big.json.error?.code, big.json.error?.message]).toEqual([-32602, "file 'big.bin' is 1048577 bytes; a file may hold at most 1048576"]);
    const many = await rawRpc(url, send([{ text: 'x' }, file('a.bin', 900_000), file('b.bin', 900_000), file('c.bin', 900_000)]), auth);
    expect(many.json.error?.message).toMatch(/the files hold 2700000 bytes in all; a task may carry at most 2097152/);
    expect(await hive.client().exists('hive:tasks:developer')).toBe(0);
  });

  it('refuses to start on a bad configuration or tokens file, saying which', async () => {
    const bad = await hive.startGateway({ HIVE_GATEWAY_RATE_LIMIT: 'lots' }).catch((e: Error) => e);
    expect(String(bad)).toMatch(/HIVE_GATEWAY_RATE_LIMIT/);
    const tokensFile = join(mkdtempSync(join(tmpdir(), 'hive-tokens-')), 'tokens');
    writeFileSync(tokensFile, '# clients\nalice not-a-hash\n');
    const badTokens = await hive.startGateway({ HIVE_GATEWAY_TOKENS_FILE: tokensFile }).catch((e: Error) => e);
    expect(String(badTokens)).toMatch(/line 2 is not '<client> <sha256 hex>'/);
    expect(String(badTokens)).not.toMatch(/not-a-hash/);
  });
});

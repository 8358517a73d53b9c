import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { text, toolResults, toolUse, turnOf } from '../support/fake-messages-api';
import { useHive } from '../support/hive-fixture';
import { enqueue, waitForResults } from '../support/hive-streams';

const hive = useHive();

describe('an agent whose model tries to leave the workspace', () => {
  it('refuses each attempt as an is_error tool result, reads and writes nothing outside, and finishes the task', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'hive-outside-'));
    writeFileSync(join(outside, 'secret.txt'), 'top secret');
    const attempts = [
      toolUse('read_file', { path: join(outside, 'secret.txt') }),
      toolUse('read_file', { path: '../../../../../../../../' + join(outside, 'secret.txt') }),
      toolUse('write_file', { path: '../../escaped.txt', content: 'pwned' }),
      toolUse('write_file', { path: join(outside, 'escaped.txt'), content: 'pwned' }),
      toolUse('read_file', { path: 'a.txt\u0000/../../etc/passwd' }),
      toolUse('edit_file', { path: '../secret.txt', old_string: 'top', new_string: 'no' }),
      toolUse('list_directory', { path: '..' }),
    ];
    const errors: string[] = [];
    await hive.api((request) => {
      const call = turnOf(request);
      if (call > 1) {
        const [result] = toolResults(request);
        expect(result.is_error).toBe(true);
        errors[call - 2] = result.content;
      }
      return attempts[call - 1] ?? text('gave up');
    });
    const agent = await hive.startAgent('developer', 'agent-developer-escape');
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'developer', 'task-escape', { instructions: 'escape', files: { 'a.txt': 'inside' } });
    const [result] = await waitForResults(client, 1);

    expect(result).toMatchObject({ status: 'succeeded', output: { text: 'gave up', files: {} } });
    expect(errors).toHaveLength(attempts.length);
    for (const error of errors) expect(error).toMatch(/is not allowed: (absolute paths are refused|it resolves outside the workspace|NUL byte in path)/);
    expect(errors.join('\n')).not.toContain('top secret');
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
    expect(existsSync(join(outside, 'escaped.txt'))).toBe(false);
    expect(existsSync(join(agent.env.HIVE_WORKSPACE_DIR, '..', 'escaped.txt'))).toBe(false);
  });

  it('fails a task whose seed files point outside, writing nothing there', async () => {
    const api = await hive.api(() => text('never'));
    const agent = await hive.startAgent('qa', 'agent-qa-seed');
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'qa', 'task-seed-escape', { instructions: 'x', files: { '../../planted.txt': 'pwned' } });
    const [result] = await waitForResults(client, 1);
    expect(result.status).toBe('failed');
    expect(result.output.error).toMatch(/^payload\.files: Path '\.\.\/\.\.\/planted\.txt' is not allowed/);
    expect(existsSync(join(agent.env.HIVE_WORKSPACE_DIR, '..', 'planted.txt'))).toBe(false);
    expect(api.requests).toHaveLength(0);
  });
});

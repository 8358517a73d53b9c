import { describe, expect, it } from 'vitest';
import { text, toolUse, turnOf } from '../support/fake-messages-api';
import { useHive } from '../support/hive-fixture';
import { enqueue, waitForResults } from '../support/hive-streams';

const hive = useHive();

describe("a result's budget for written files", () => {
  it('carries the files that fit and lists the others in omitted with their sizes, never a cut or placeholder content', async () => {
    const big = 'a'.repeat(200 * 1024);
    const bigger = 'b'.repeat(100 * 1024);
    await hive.api((request) => {
      const turn = turnOf(request);
      if (turn === 1) return toolUse('write_file', { path: 'a-big.txt', content: big });
      if (turn === 2) return toolUse('write_file', { path: 'b-bigger.txt', content: bigger });
      if (turn === 3) return toolUse('write_file', { path: 'c-small.txt', content: 'small' });
      return text('wrote three files');
    });
    const agent = await hive.startAgent('developer', 'agent-developer-budget');
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'developer', 'task-budget', { instructions: 'Write files.' });
    const [result] = await waitForResults(client, 1);

    expect(result.status).toBe('succeeded');
    // 256 KiB in all: the 200 KiB file fits, the 100 KiB one no longer does, the small one still does.
    expect(result.output.files).toEqual({ 'a-big.txt': big, 'c-small.txt': 'small' });
    expect((result.output as unknown as { omitted: unknown }).omitted).toEqual([{ path: 'b-bigger.txt', bytes: 100 * 1024 }]);
  });
});

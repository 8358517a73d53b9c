import { describe, expect, it } from 'vitest';
import { workingStatus } from '../../agent-runtime/src/gateway/a2a-task';
import { TaskProgress } from '../../agent-runtime/src/cli/task-progress';

const CLEAR = '\r\x1b[2K';
const task = { id: 'task-1', contextId: 'ctx' };

function turn(n: number, tokens: number) {
  return workingStatus(task, { turn: n, toolCalls: ['write_file'], usage: { input_tokens: tokens, output_tokens: 0 }, at: new Date().toISOString() });
}

/** A stream that records what is written, as a terminal of `columns` or as a pipe. */
function output(isTTY: boolean, columns?: number) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns, write: (text: string) => writes.push(text) } };
}

describe('task progress', () => {
  it('on a terminal redraws one line in place, its clock ticking between turns, and erases it at the end', async () => {
    let now = 0;
    const { writes, stream } = output(true, 80);
    const progress = new TaskProgress({ output: stream, now: () => now, tickMs: 10 });

    progress.submitted(task.id);
    now = 1_500;
    progress.turn(turn(1, 120));
    now = 4_000;
    await new Promise((resolve) => setTimeout(resolve, 50));
    progress.finish();
    const after = writes.length;
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(writes[0]).toBe('task task-1 submitted\n');
    expect(writes[1]).toBe(`${CLEAR}waiting for an agent; 0.0 s`);
    expect(writes).toContain(`${CLEAR}turn 1: write_file; 120 tokens; 1.5 s`);
    expect(writes).toContain(`${CLEAR}turn 1: write_file; 120 tokens; 4.0 s`);
    expect(writes.slice(1).every((w) => w.startsWith(CLEAR) && !w.includes('\n'))).toBe(true);
    expect(writes.at(-1)).toBe(CLEAR);
    // Stopped: no redraw after the end.
    expect(writes).toHaveLength(after);
  });

  it('cuts the live line to the terminal width, which would otherwise wrap', () => {
    const { writes, stream } = output(true, 20);
    const progress = new TaskProgress({ output: stream, now: () => 0 });
    progress.submitted(task.id);
    progress.turn(turn(12, 123456));
    progress.finish();
    expect(writes[2]).toBe(`${CLEAR}turn 12: write_fil…`);
  });

  it('elsewhere prints a plain line per turn and nothing to erase', () => {
    let now = 0;
    const { writes, stream } = output(false);
    const progress = new TaskProgress({ output: stream, now: () => now });
    progress.submitted(task.id);
    now = 1_234;
    progress.turn(turn(2, 345));
    progress.finish();
    expect(writes).toEqual(['task task-1 submitted\n', 'turn 2: write_file; 345 tokens; 1.2 s\n']);
  });
});

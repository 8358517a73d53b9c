import type { TaskStatusUpdateEvent } from '@a2a-js/sdk';
import { CliOutput } from './cli-io';
import { messageText } from './task-text';

/** Erases the terminal line the cursor is on, and goes to its start. */
const CLEAR_LINE = '\r\x1b[2K';

export interface TaskProgressOptions {
  /** Where progress goes (stderr): a terminal gets one live line, anything else a line per turn. */
  readonly output: CliOutput;
  /** Elapsed time counts from here. @default Date.now() */
  readonly startedAt?: number;
  /** How often the live line redraws its clock. @default 1000 */
  readonly tickMs?: number;
  readonly now?: () => number;
}

/**
 * A task's progress for people. On a terminal: one line redrawn in place
 * (the latest turn, its tokens, the seconds so far), erased at the end so
 * the final text starts on a clean line. Otherwise, for logs and pipes: a
 * plain line per turn, e.g. `turn 2: write_file; 345 tokens; 1.2 s`.
 */
export class TaskProgress {
  private readonly now: () => number;
  private readonly startedAt: number;
  private latest = 'waiting for an agent';
  private ticker?: NodeJS.Timeout;

  constructor(private readonly options: TaskProgressOptions) {
    this.now = options.now ?? Date.now;
    this.startedAt = options.startedAt ?? this.now();
  }

  submitted(taskId: string): void {
    this.options.output.write(`task ${taskId} submitted\n`);
    if (!this.options.output.isTTY) return;
    this.draw();
    this.ticker = setInterval(() => this.draw(), this.options.tickMs ?? 1000);
    // The clock must not keep the process alive once the task is over.
    this.ticker.unref();
  }

  /** A turn's status update; its message's text is the gateway's line for the turn. */
  turn(update: TaskStatusUpdateEvent): void {
    this.latest = messageText(update.status?.message) || `turn ${String(update.metadata?.turn ?? '?')}`;
    if (this.options.output.isTTY) this.draw();
    else this.options.output.write(`${this.line()}\n`);
  }

  /** Ends the live line; call before printing the result. */
  finish(): void {
    if (!this.ticker) return;
    clearInterval(this.ticker);
    this.ticker = undefined;
    this.options.output.write(CLEAR_LINE);
  }

  private line(): string {
    return `${this.latest}; ${((this.now() - this.startedAt) / 1000).toFixed(1)} s`;
  }

  private draw(): void {
    // A line wider than the terminal wraps, and \r would then redraw only its last row.
    const width = this.options.output.columns;
    const line = this.line();
    this.options.output.write(CLEAR_LINE + (width && line.length >= width ? `${line.slice(0, width - 2)}…` : line));
  }
}

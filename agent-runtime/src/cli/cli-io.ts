/** A stream the CLI writes to; `isTTY` and `columns` decide how progress is drawn. */
export interface CliOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Everything a command reads from or writes to its process, so tests can hand in their own. */
export interface CliIo {
  /** Results: the final text, JSON, tables. */
  readonly stdout: CliOutput;
  /** Progress, notes and errors. */
  readonly stderr: CliOutput;
  readonly env: NodeJS.ProcessEnv;
  /** Where relative paths (--file, --dir, --out) start. */
  readonly cwd: string;
}

/** Writes a value as one JSON document (or one JSON line) on stdout. */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Fields of one log event; task events carry `taskId`. */
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger whose events all carry `fields` (e.g. the role and consumer). */
  child(fields: LogFields): Logger;
}

/**
 * One JSON line per event on stdout. Known secrets are replaced wherever they
 * appear, so an error message that quotes a key or a password cannot leak it.
 */
export function createLogger(base: LogFields, secrets: readonly string[], write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  const emit = (level: string, event: string, fields?: LogFields) =>
    write(`${redact(JSON.stringify({ time: new Date().toISOString(), level, event, ...base, ...fields }, errorReplacer), secrets)}\n`);
  return {
    info: (event, fields) => emit('info', event, fields),
    warn: (event, fields) => emit('warn', event, fields),
    error: (event, fields) => emit('error', event, fields),
    child: (fields) => createLogger({ ...base, ...fields }, secrets, write),
  };
}

/** `text` with every known secret (4 characters or more) replaced by [redacted]. */
export function redact(text: string, secrets: readonly string[]): string {
  return secrets.filter((s) => s.length >= 4).reduce((result, secret) => result.split(secret).join('[redacted]'), text);
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}

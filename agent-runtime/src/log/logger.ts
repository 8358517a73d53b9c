import pino from 'pino';

/** Fields of one log event; task events carry `taskId`. */
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger whose events all carry `fields` (e.g. the role and consumer). */
  child(fields: LogFields): Logger;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LoggerOptions {
  /** Fields on every line (role, agent). */
  readonly base: LogFields;
  /** Values replaced by [redacted] wherever they appear in a line. */
  readonly secrets: readonly string[];
  /** @default 'info' */
  readonly level?: LogLevel;
  /** Where lines go. @default stdout, synchronously (nothing is lost at exit) */
  readonly destination?: pino.DestinationStream;
}

/**
 * One JSON line per event (`time`, `level`, `event`, fields) through pino.
 * Known secrets are replaced in the finished line, so an error message that
 * quotes a key or a password cannot leak it, whatever field carries it.
 */
export function createLogger(options: LoggerOptions): Logger {
  const secrets = options.secrets.filter((s) => s.length >= 4);
  const root = pino(
    {
      level: options.level ?? 'info',
      base: options.base,
      messageKey: 'event',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: { streamWrite: secrets.length ? (line) => redact(line, secrets) : undefined },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
  return wrap(root);
}

function wrap(log: pino.Logger): Logger {
  return {
    debug: (event, fields) => log.debug(fields ?? {}, event),
    info: (event, fields) => log.info(fields ?? {}, event),
    warn: (event, fields) => log.warn(fields ?? {}, event),
    error: (event, fields) => log.error(fields ?? {}, event),
    child: (fields) => wrap(log.child(fields)),
  };
}

/** `text` with every known secret (4 characters or more) replaced by [redacted]. */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret.length >= 4 && result.includes(secret)) result = result.split(secret).join('[redacted]');
  return result;
}

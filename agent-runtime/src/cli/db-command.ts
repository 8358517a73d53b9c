import { resolve } from 'node:path';
import { redactUrl } from '../config/env-values';
import { GATEWAY_ENV } from '../contract';
import { migrateTaskHistory, TaskHistoryLocation } from '../gateway/task-history';
import { CliIo, printJson } from './cli-io';
import { EXIT, usageError } from './exit-codes';

export interface DbMigrateOptions {
  /** PostgreSQL URL; else DATABASE_URL. */
  readonly databaseUrl?: string;
  /** SQLite file; else HIVE_GATEWAY_SQLITE_PATH. */
  readonly sqlite?: string;
  /** Print `{ database }` instead of the migrator's lines. */
  readonly json: boolean;
}

/**
 * `hive db migrate`: creates or upgrades the gateways' task history, as a
 * gateway does when it starts; for a deploy step that runs it once, before
 * the gateways.
 */
export async function dbMigrateCommand(options: DbMigrateOptions, io: CliIo): Promise<number> {
  const location = locationOf(options, io);
  // JSON mode keeps stdout for the one document.
  const lines = options.json ? io.stderr : io.stdout;
  await migrateTaskHistory(location, { log: (line) => lines.write(`${line}\n`), error: (line) => io.stderr.write(`${line}\n`) });
  const database = location.databaseUrl ? redactUrl(location.databaseUrl) : `sqlite:${location.sqlitePath}`;
  if (options.json) printJson(io, { database });
  else io.stdout.write(`task history migrated: ${database}\n`);
  return EXIT.ok;
}

/**
 * The options, then the gateway's own variables. Unlike the gateway, no
 * default file: migrating a database nobody named is more likely a mistake.
 */
function locationOf(options: DbMigrateOptions, io: CliIo): TaskHistoryLocation {
  if (options.databaseUrl !== undefined && options.sqlite !== undefined) throw usageError('give --database-url or --sqlite, not both');
  if (options.sqlite !== undefined) return { sqlitePath: resolve(io.cwd, options.sqlite) };
  const databaseUrl = options.databaseUrl ?? (io.env[GATEWAY_ENV.databaseUrl] || undefined);
  if (databaseUrl !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) throw usageError(`the database URL must start with postgres:// or postgresql://, got '${redactUrl(databaseUrl)}'`);
    return { databaseUrl, sqlitePath: '' };
  }
  const sqlitePath = io.env[GATEWAY_ENV.sqlitePath];
  if (!sqlitePath) throw usageError(`no database: pass --database-url or --sqlite, or set ${GATEWAY_ENV.databaseUrl} or ${GATEWAY_ENV.sqlitePath}`);
  return { sqlitePath: resolve(io.cwd, sqlitePath) };
}

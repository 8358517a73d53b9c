import { taskStateToJSON } from '@a2a-js/sdk';
import { DatabaseTaskStore, TASK_TABLE, TaskDatabase } from '@a2a-js/sdk/server/database';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TERMINAL_STATES } from './a2a-task';

/** Where the task history lives: PostgreSQL when a URL is given, else an embedded SQLite file. */
export interface TaskHistoryLocation {
  readonly databaseUrl?: string;
  readonly sqlitePath: string;
}

/** Where migration messages go (the SDK's migrator writes lines). */
export interface MigrationOutput {
  log(message: string): void;
  error(message: string): void;
}

/** The store writes a state by its JSON name. */
const TERMINAL_STATE_NAMES = TERMINAL_STATES.map(taskStateToJSON);

/** The URL the SDK's migrator understands for a location. */
function migrationUrl(location: TaskHistoryLocation): string {
  return location.databaseUrl ?? `sqlite:${resolve(location.sqlitePath)}`;
}

/**
 * Creates or upgrades the task table with the SDK's own migrations (the
 * same as its `a2a-db upgrade --store tasks`), so `a2a-db status` agrees.
 * Safe to run from several gateways at once: the migrator takes a lock.
 */
export async function migrateTaskHistory(location: TaskHistoryLocation, output: MigrationOutput): Promise<void> {
  // The migrator is the SDK's CLI module, which its package exports do not list: load it by path.
  const cli = join(dirname(require.resolve('@a2a-js/sdk')), 'cli', 'run.js');
  const { run } = (await import(pathToFileURL(cli).href)) as { run(argv: string[], env: NodeJS.ProcessEnv, output: MigrationOutput): Promise<number> };
  const lines: string[] = [];
  const code = await run(['upgrade', '--store', 'tasks', '--url', migrationUrl(location)], {}, { log: output.log, error: (m) => lines.push(m) });
  if (code !== 0) throw new Error(`task history migration failed: ${lines.join(' ').trim() || `exit code ${code}`}`);
}

/**
 * The gateways' task history: the SDK's DatabaseTaskStore (owner-scoped:
 * each client reads only its own tasks) plus the few queries the store has
 * no method for.
 */
export class TaskHistory {
  readonly store: DatabaseTaskStore<TaskDatabase>;

  private constructor(private readonly db: Kysely<TaskDatabase>) {
    // The SDK's declarations name kysely's ESM build, this package loads its CommonJS one: the same class at run time.
    this.store = new DatabaseTaskStore(db as never);
  }

  static open(location: TaskHistoryLocation): TaskHistory {
    return new TaskHistory(new Kysely<TaskDatabase>({ dialect: dialectFor(location) }));
  }

  /** Who owns a task (the client, and the tenant it named), whichever gateway accepted it. */
  async scopeOf(taskId: string): Promise<{ owner: string; tenant: string } | undefined> {
    return this.db.selectFrom(TASK_TABLE).select(['owner', 'tenant']).where('id', '=', taskId).limit(1).executeTakeFirst();
  }

  /** Deletes finished tasks last updated before the cutoff; returns how many. */
  async deleteFinishedBefore(cutoffMs: number): Promise<number> {
    const result = await this.db
      .deleteFrom(TASK_TABLE)
      .where('status_last_updated', '<', cutoffMs)
      .where('status_state', 'in', TERMINAL_STATE_NAMES)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Throws unless the database answers. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  close(): Promise<void> {
    return this.db.destroy();
  }
}

function dialectFor(location: TaskHistoryLocation): PostgresDialect | SqliteDialect {
  if (location.databaseUrl) {
    // Loaded on demand, like the SQLite driver: a gateway needs only the one it uses.
    const { Pool } = require('pg') as typeof import('pg');
    const pool = new Pool({ connectionString: location.databaseUrl, max: 10, connectionTimeoutMillis: 5_000 });
    // An idle connection the server closed (a restart) is reported here; unhandled, it would end the process.
    // The pool drops it, and the next query that fails says so where it is handled.
    pool.on('error', () => undefined);
    return new PostgresDialect({ pool });
  }
  let Database: typeof import('better-sqlite3');
  try {
    Database = require('better-sqlite3') as typeof import('better-sqlite3');
  } catch (error) {
    throw new Error(`DATABASE_URL is unset and the embedded SQLite driver cannot load (${(error as Error).message}); set DATABASE_URL to a PostgreSQL URL`);
  }
  const database = new Database(location.sqlitePath);
  // Readers (other requests) go on while the reconciler writes. With WAL, NORMAL syncs at checkpoints
  // rather than at every commit, which would block the event loop (the driver is synchronous) for a
  // disk flush per task; a power cut may lose the last commits, never corrupt the file.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  return new SqliteDialect({ database });
}

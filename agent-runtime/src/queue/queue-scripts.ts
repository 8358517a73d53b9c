import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RedisClient } from './redis-connections';

/** The Lua scripts of the queue, the bridge and rollouts (./scripts/<name>.lua) and how many keys each declares. */
const SCRIPTS = {
  hiveBegin: { file: 'begin', keys: 3 },
  hiveComplete: { file: 'complete', keys: 6 },
  hiveDeadLetter: { file: 'dead-letter', keys: 6 },
  hiveRenew: { file: 'renew', keys: 1 },
  hiveRelease: { file: 'release', keys: 1 },
  hiveReclaim: { file: 'reclaim', keys: 1 },
  hiveCheckpoint: { file: 'checkpoint', keys: 4 },
  hiveBreaker: { file: 'breaker', keys: 1 },
  hiveBridgeRoute: { file: 'bridge-route', keys: 2 },
  hiveBridgeReject: { file: 'bridge-reject', keys: 2 },
  hiveRolloutApply: { file: 'rollout-apply', keys: 3 },
  hiveRouteTask: { file: 'route-task', keys: 2 },
  hiveLockRenew: { file: 'lock-renew', keys: 1 },
  hiveLockRelease: { file: 'lock-release', keys: 1 },
} as const;

export type ScriptName = keyof typeof SCRIPTS;

type ScriptArg = string | number;

/** A client with the scripts defined: `client[name](...keys, ...args)` runs one by EVALSHA. */
export type ScriptedClient = RedisClient & Record<ScriptName, (...args: ScriptArg[]) => Promise<unknown>>;

const sources = new Map<ScriptName, string>();

/** Defines every script on the client (once per client); ioredis loads them on first use and after a Redis restart. */
export function withScripts(client: RedisClient): ScriptedClient {
  const scripted = client as ScriptedClient;
  if (typeof scripted.hiveBegin === 'function') return scripted;
  for (const [name, { file, keys }] of Object.entries(SCRIPTS) as Array<[ScriptName, { file: string; keys: number }]>) {
    let lua = sources.get(name);
    if (lua === undefined) {
      lua = readFileSync(join(__dirname, 'scripts', `${file}.lua`), 'utf8');
      sources.set(name, lua);
    }
    client.defineCommand(name, { numberOfKeys: keys, lua });
  }
  return scripted;
}

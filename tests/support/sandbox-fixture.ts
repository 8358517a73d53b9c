import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach } from 'vitest';
import { AgentRole } from '../../agent-runtime/src/contract';
import { AgentProcess } from './agent-process';
import { HiveFixture, useHive } from './hive-fixture';
import { SandboxProcess } from './sandbox-process';
import { AGENT_ID, ensureSandboxUsers, SANDBOX_ID } from './sandbox-users';

/** The pod's shared volumes, made per test. */
export interface PodVolumes {
  /** The workspace emptyDir, at the same path in both containers. */
  readonly workspace: string;
  /** The sandbox's socket, in its own emptyDir. */
  readonly socket: string;
}

/** A directory made like a pod's volume: owned by `uid`:`gid`, with `mode`. */
export function podDirectory(prefix: string, uid: number, gid: number, mode: number): string {
  const path = mkdtempSync(join(tmpdir(), prefix));
  chownSync(path, uid, gid);
  chmodSync(path, mode);
  return path;
}

/** An emptyDir both containers mount, with `fsGroup: 10001`: root-owned, group 10001, setgid. */
export const SHARED_VOLUME = (prefix: string): [string, number, number, number] => [prefix, 0, AGENT_ID, 0o2777];

/** The sandbox's own HOME and TMPDIR (its writable emptyDirs), made by `make`. */
export function sandboxScratch(make: typeof podDirectory): { HOME: string; TMPDIR: string } {
  return { HOME: make('hive-pod-home-', SANDBOX_ID, SANDBOX_ID, 0o700), TMPDIR: make('hive-pod-tmp-', SANDBOX_ID, SANDBOX_ID, 0o700) };
}

/** One pod's worth of sandbox beside the agents of a fixture. */
export interface PodSandbox {
  readonly volumes: PodVolumes;
  /** Starts the sandbox sidecar of the test's pod. */
  startSandbox(env?: Record<string, string>): Promise<SandboxProcess>;
  /** Starts an agent as the pod's agent user, with the sandbox's socket and the shared workspace. */
  startCodingAgent(role: AgentRole, name: string, env?: Record<string, string>): Promise<AgentProcess>;
}

export type SandboxHive = HiveFixture & PodSandbox;

/**
 * Registers a pod's sandbox on top of `hive`: the agent runs as uid 10001,
 * the sandbox as uid 10002 (group 10001 as well), and they share only the
 * workspace volume and the socket's directory, made like emptyDirs with
 * `fsGroup: 10001` (root-owned, group 10001, setgid).
 */
export function usePodSandbox(hive: HiveFixture): PodSandbox {
  let volumes: PodVolumes;
  const made: string[] = [];
  const sandboxes: SandboxProcess[] = [];

  const dir = (prefix: string, uid: number, gid: number, mode: number) => {
    const path = podDirectory(prefix, uid, gid, mode);
    made.push(path);
    return path;
  };

  beforeAll(() => ensureSandboxUsers());
  beforeEach(() => {
    volumes = { workspace: dir(...SHARED_VOLUME('hive-pod-ws-')), socket: join(dir(...SHARED_VOLUME('hive-pod-sock-')), 'sandbox.sock') };
  });
  afterEach(async () => {
    await Promise.all(sandboxes.splice(0).map((s) => s.stop()));
    for (const path of made.splice(0)) rmSync(path, { recursive: true, force: true });
  });

  return {
    get volumes() {
      return volumes;
    },
    async startSandbox(env = {}) {
      const sandbox = await SandboxProcess.start({
        HIVE_SANDBOX_SOCKET: volumes.socket,
        HIVE_WORKSPACE_DIR: volumes.workspace,
        ...sandboxScratch((prefix, uid, gid, mode) => dir(prefix, uid, gid, mode)),
        HIVE_SANDBOX_MAX_PROCESSES: '256',
        ...env,
      });
      sandboxes.push(sandbox);
      return sandbox;
    },
    startCodingAgent(role, name, env = {}) {
      return hive.startAgent(role, name, { HIVE_SANDBOX_SOCKET: volumes.socket, HIVE_WORKSPACE_DIR: volumes.workspace, ...env }, { uid: AGENT_ID, gid: AGENT_ID });
    },
  };
}

/** `useHive()` with one pod's sandbox. */
export function useSandboxHive(): SandboxHive {
  const hive = useHive();
  const pod = usePodSandbox(hive);
  return {
    get redis() {
      return hive.redis;
    },
    client: () => hive.client(),
    api: (script) => hive.api(script),
    startAgent: (role, name, env, runAs) => hive.startAgent(role, name, env, runAs),
    get volumes() {
      return pod.volumes;
    },
    startSandbox: (env) => pod.startSandbox(env),
    startCodingAgent: (role, name, env) => pod.startCodingAgent(role, name, env),
  };
}

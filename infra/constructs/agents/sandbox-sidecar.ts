import { k8s } from 'cdk8s-plus-28';
import { ENV, HEALTH_PORT } from '../../../agent-runtime/src/contract';
import { ResourceSpec, SandboxLimits } from '../../environment/environment-schema';
import { containerResources } from '../workload/container-resources';
import { restrictedContainerSecurity, ScratchMount, scratchVolumes } from '../workload/pod-security';
import { SECRETS } from './secret-names';

/** The UID/GID the sandbox runs as (agent-runtime/Dockerfile.sandbox): not the agent's, so it cannot read what only the agent may. */
export const SANDBOX_UID = 10002;

/** The name of the sidecar container. */
export const SANDBOX_CONTAINER = 'sandbox';

/**
 * What the sandbox container runs, set on the container so an own toolchain
 * image runs the server whatever its ENTRYPOINT (Dockerfile.sandbox has the same).
 * tini is PID 1 (-s: the subreaper where it is not) and reaps the orphans of killed commands, which node would leave
 * as zombies counting against the sandbox's process cap.
 */
export const SANDBOX_COMMAND = ['/usr/bin/tini', '-s', '--', 'node', '/app/agent-runtime/dist/sandbox.js'];

/** Where both containers see the socket directory, and the socket in it. */
export const SANDBOX_SOCKET_DIR = '/run/hive-sandbox';
export const SANDBOX_SOCKET = `${SANDBOX_SOCKET_DIR}/sandbox.sock`;

/** The sandbox's HOME: package managers' caches and config land there, not on the read-only root. */
export const SANDBOX_HOME = '/sandbox-home';

/**
 * The agent's variables of the sandbox contract (the runtime's names). With
 * `socket` set, the agent enables the run_command tool and repositories.
 */
export const AGENT_SANDBOX_ENV = {
  socket: ENV.sandboxSocket,
  gitToken: ENV.gitToken,
  gitPushToken: ENV.gitPushToken,
  gitHost: ENV.gitHost,
  maxCommands: ENV.maxCommands,
  maxCommandSeconds: ENV.maxCommandSeconds,
  commandTimeoutSeconds: ENV.commandTimeoutSeconds,
  commandOutputBytes: ENV.commandOutputBytes,
  maxPatchBytes: ENV.maxPatchBytes,
} as const;

/**
 * The probe: one `ping` over the socket (the image's HEALTHCHECK runs the same
 * command; a test keeps them equal). It runs in the sandbox container, with node,
 * which every sandbox image has for the server.
 */
export const SANDBOX_PING_COMMAND = [
  'node',
  '-e',
  "const s = require('node:net').connect(process.env.HIVE_SANDBOX_SOCKET); let a = ''; s.on('data', (d) => (a += d)); s.on('error', () => process.exit(1)); s.on('close', () => { try { process.exit(JSON.parse(a).ok === true ? 0 : 1); } catch { process.exit(1); } }); s.write(JSON.stringify({ op: 'ping' }) + '\\n');",
];

/**
 * The sandbox's preStop hook: wait until the agent's health port refuses
 * connections (the pods share one network namespace), that is until the agent
 * has drained its tasks and exited. Kubernetes signals both containers at once;
 * without this the sandbox would stop under the commands of tasks the agent is
 * still finishing. The port is the last argument; the pod's grace period bounds the wait.
 */
export const SANDBOX_WAIT_FOR_AGENT_COMMAND = [
  'node',
  '-e',
  "const port = Number(process.argv.at(-1)); const poll = () => require('node:http').get({ host: '127.0.0.1', port, path: '/healthz', timeout: 2000 }, (r) => { r.resume(); setTimeout(poll, 1000); }).on('timeout', function () { this.destroy(); }).on('error', (e) => (e.code === 'ECONNREFUSED' ? process.exit(0) : setTimeout(poll, 1000))); poll();",
  String(HEALTH_PORT),
];

export interface SandboxSidecarProps {
  /** Image reference, pinned by content-hash tag or digest; it must run the sandbox server. */
  readonly image: string;
  readonly resources: ResourceSpec;
  /** The agent's workspace volume: mounted at the same path in the sandbox, the one thing both containers share besides the socket. */
  readonly workspace: ScratchMount;
  /** Per-task command limits, for the agent; those left out take the runtime's defaults. */
  readonly limits: SandboxLimits;
  /** `host:port` of the git host, the only one the agent sends a git token to. @default none: no token is ever sent */
  readonly gitHost?: string;
}

/** What an agent Deployment needs to add a sandbox: the sidecar's props, and how large the shared workspace must be. */
export interface SandboxOptions extends Omit<SandboxSidecarProps, 'workspace'> {
  /** Size limit of the workspace emptyDir, which now holds clones and builds; an emptyDir over its limit gets the pod evicted. */
  readonly workspaceSize: string;
}

/** What the sidecar adds to an agent pod. */
export interface SandboxSidecar {
  readonly container: k8s.Container;
  /** The volumes only the sidecar brings (the workspace is the agent's). */
  readonly volumes: k8s.Volume[];
  /** Added to the agent container: the socket directory. */
  readonly agentVolumeMounts: k8s.VolumeMount[];
  /** Added to the agent container: the socket, the limits, the git tokens and their host. */
  readonly agentEnv: k8s.EnvVar[];
}

const socketDir: ScratchMount = { name: 'sandbox-socket', mountPath: SANDBOX_SOCKET_DIR, sizeLimit: '1Mi' };
/** The sandbox's own scratch: builds and package caches, never seen by the agent. */
const sandboxScratch: readonly ScratchMount[] = [
  { name: 'sandbox-tmp', mountPath: '/tmp', sizeLimit: '1Gi' },
  { name: 'sandbox-home', mountPath: SANDBOX_HOME, sizeLimit: '2Gi' },
];

/**
 * The sandbox sidecar: a second container where the commands an agent runs
 * execute. Its isolation is in what it lacks: no Secret (no secretKeyRef, no
 * envFrom), no service-account token (the pod mounts none), another UID,
 * a read-only root, its own resources, and its own process namespace (the
 * pod does not share one), so it cannot read the agent's /proc/<pid>/environ.
 * The git tokens go to the agent container, which hands the token to the
 * sandbox only inside a clone or push request.
 */
export function sandboxSidecar(props: SandboxSidecarProps): SandboxSidecar {
  const own = scratchVolumes([socketDir, ...sandboxScratch]);
  const workspaceMount: k8s.VolumeMount = { name: props.workspace.name, mountPath: props.workspace.mountPath };
  const ping = (timing: Pick<k8s.Probe, 'periodSeconds' | 'failureThreshold'>): k8s.Probe => ({ exec: { command: SANDBOX_PING_COMMAND }, timeoutSeconds: 3, ...timing });
  const limits = Object.entries(props.limits)
    .filter((entry): entry is [keyof SandboxLimits, number] => entry[1] !== undefined)
    .map(([limit, value]) => ({ name: AGENT_SANDBOX_ENV[limit], value: String(value) }));
  const optionalSecret = (key: string): k8s.EnvVarSource => ({ secretKeyRef: { name: SECRETS.git.name, key, optional: true } });

  return {
    container: {
      name: SANDBOX_CONTAINER,
      image: props.image,
      imagePullPolicy: 'IfNotPresent',
      command: SANDBOX_COMMAND,
      // No envFrom: the runtime ConfigMap is the agent's; the server needs only these.
      env: [
        { name: AGENT_SANDBOX_ENV.socket, value: SANDBOX_SOCKET },
        { name: ENV.workspaceDir, value: props.workspace.mountPath },
        { name: 'HOME', value: SANDBOX_HOME },
      ],
      resources: containerResources(props.resources),
      securityContext: restrictedContainerSecurity(SANDBOX_UID),
      volumeMounts: [workspaceMount, ...own.volumeMounts],
      lifecycle: { preStop: { exec: { command: SANDBOX_WAIT_FOR_AGENT_COMMAND } } },
      startupProbe: ping({ periodSeconds: 2, failureThreshold: 15 }),
      livenessProbe: ping({ periodSeconds: 30, failureThreshold: 3 }),
      readinessProbe: ping({ periodSeconds: 10, failureThreshold: 1 }),
    },
    volumes: own.volumes,
    agentVolumeMounts: [{ name: socketDir.name, mountPath: socketDir.mountPath }],
    agentEnv: [
      { name: AGENT_SANDBOX_ENV.socket, value: SANDBOX_SOCKET },
      ...limits,
      // Optional keys: public repositories need no token, and pushing needs its own grant.
      { name: AGENT_SANDBOX_ENV.gitToken, valueFrom: optionalSecret(SECRETS.git.key) },
      { name: AGENT_SANDBOX_ENV.gitPushToken, valueFrom: optionalSecret(SECRETS.gitPush.key) },
      ...(props.gitHost ? [{ name: AGENT_SANDBOX_ENV.gitHost, value: props.gitHost }] : []),
    ],
  };
}

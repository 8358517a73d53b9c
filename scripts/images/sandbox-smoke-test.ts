import { join } from 'node:path';
import { SANDBOX_COMMAND, SANDBOX_HOME, SANDBOX_SOCKET_DIR, SANDBOX_UID } from '../../infra/constructs/agents/sandbox-sidecar';
import { ContainerEngine } from './container-engine';
import { smokeContainer } from './smoke-container';

/** What a passing sandbox smoke test measured. */
export interface SandboxSmokeReport {
  /** Container creation to the end of both checks (most of it is creating the container). */
  readonly runMs: number;
}

/** Tools the default sandbox image promises (README: "The sandbox sidecar in the cluster"). */
const SANDBOX_TOOLS = ['git', 'node', 'npm', 'python3', 'make', 'gcc', 'g++'] as const;

/**
 * Paths the sandbox's user may write in the image: where the Deployment mounts
 * emptyDirs, and Debian's sticky temporary directories, which the read-only
 * root closes in Kubernetes.
 */
const WRITABLE_IN_IMAGE = ['/tmp', SANDBOX_HOME, SANDBOX_SOCKET_DIR, '/var/tmp', '/run/lock', '/var/lock'];

const RUN_WITHIN_MS = 60_000;

/** Where the protocol check puts the socket, the workspace and its client, inside the container. */
const SMOKE_DIR = '/tmp/hive-sandbox-smoke';
const CLIENT = '/tmp/sandbox-protocol-client.cjs';

/**
 * Runs the sandbox image once (creating a container of it is most of the
 * time), with two checks. The toolchain: its user is UID SANDBOX_UID, every
 * tool is there, and that user can write nothing of the image but the mount
 * points. The protocol: the sandbox server (SANDBOX_COMMAND, as the
 * Deployment runs it) on a socket in a temporary directory,
 * with a client inside the same container (with Docker a socket in a container
 * is out of the host's reach): `ping` must answer ok, `prepare` must make the
 * task directory, a `run` of `git --version` in it must exit 0 with git's version on stdout, and a task name with a
 * slash must be refused. Nothing may be written outside /tmp. Throws with the
 * reason and the container's output.
 */
export async function sandboxSmokeTest(engine: ContainerEngine, image: string): Promise<SandboxSmokeReport> {
  const config = engine.config(image);
  if (!config.healthcheck) throw new Error('the image has no HEALTHCHECK (built in OCI format?)');
  const toolchain = [
    'echo "uid $(id -u)"',
    ...SANDBOX_TOOLS.map((tool) => `command -v ${tool} >/dev/null && echo "tool ${tool}"`),
    "find / -xdev \\( -path /proc -o -path /sys -o -path /dev \\) -prune -o -writable -print 2>/dev/null | sed 's/^/writable /'",
  ];
  // Without a PID namespace (buildah's chroot isolation) the server would outlive the container: the script stops it.
  const protocol = [
    // The agent makes the tasks root; the sandbox makes each task's directory in it (`prepare`).
    `mkdir -p ${SMOKE_DIR}/workspace/tasks || exit 1`,
    `${SANDBOX_COMMAND.join(' ')} & server=$!`,
    `node ${CLIENT} $server`,
    'code=$?',
    'kill -TERM $server 2>/dev/null',
    'wait $server',
    'exit $code',
  ];
  const started = Date.now();
  const container = engine.run(
    image,
    ['sh', '-c', [...toolchain, ...protocol].join('; ')],
    { HIVE_SANDBOX_SOCKET: `${SMOKE_DIR}/sandbox.sock`, HIVE_WORKSPACE_DIR: `${SMOKE_DIR}/workspace` },
    { [CLIENT]: join(__dirname, 'sandbox-protocol-client.cjs') },
  );
  return smokeContainer(container, async () => {
    const code = await Promise.race([container.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), RUN_WITHIN_MS))]);
    checkToolchain(container.output().split('\n'));
    if (code !== 0 || !container.output().includes('protocol ok')) throw new Error(`the protocol check failed (exit ${code})`);
    const written = container.writtenOutside(['/tmp']);
    if (written && written.length > 0) throw new Error(`the sandbox wrote outside /tmp: ${written.slice(0, 5).join(', ')}`);
    return { runMs: Date.now() - started };
  });
}

function checkToolchain(lines: readonly string[]): void {
  const uid = lines.find((l) => l.startsWith('uid '))?.slice(4);
  if (uid !== String(SANDBOX_UID)) throw new Error(`the image runs as UID ${uid}, not ${SANDBOX_UID} (its USER)`);
  const missing = SANDBOX_TOOLS.filter((tool) => !lines.includes(`tool ${tool}`));
  if (missing.length > 0) throw new Error(`the image lacks ${missing.join(', ')}`);
  const writable = lines.filter((l) => l.startsWith('writable ')).map((l) => l.slice(9));
  const unexpected = writable.filter((path) => !WRITABLE_IN_IMAGE.some((allowed) => path === allowed || path.startsWith(`${allowed}/`)));
  if (unexpected.length > 0) throw new Error(`UID ${SANDBOX_UID} can write ${unexpected.slice(0, 5).join(', ')} in the image: only its mount points may be writable`);
}

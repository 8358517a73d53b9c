import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One image build: a Dockerfile, its context and build arguments. */
export interface BuildSpec {
  readonly reference: string;
  readonly dockerfile: string;
  readonly context: string;
  readonly args: Readonly<Record<string, string>>;
  /** Build secrets by id: files mounted into RUN steps that ask for them, never stored in a layer. */
  readonly secrets?: Readonly<Record<string, string>>;
}

/** What the smoke test checks of an image's configuration. */
export interface ImageConfig {
  readonly healthcheck: boolean;
  /** `NAME=value` entries. */
  readonly env: readonly string[];
}

/** A container started for a smoke test. */
export interface RunningContainer {
  /** When the command was launched: with buildah after creating the container, which copies its whole file system (vfs). */
  readonly launchedAt: number;
  /** Sends SIGTERM to the process the command started. */
  terminate(): void;
  readonly exited: Promise<number | null>;
  readonly output: () => string;
  /** Paths written outside the allowed ones since start, when the engine can tell. */
  writtenOutside(allowed: readonly string[]): string[] | undefined;
  /** Stops the process if it still runs (a failed test), then deletes the container. */
  remove(): Promise<void>;
}

export interface ContainerEngine {
  readonly name: 'docker' | 'buildah';
  exists(reference: string): boolean;
  build(spec: BuildSpec): void;
  tag(source: string, target: string): void;
  /** Pushes the image under its reference; returns the manifest digest the registry stores it by (`sha256:…`). */
  push(reference: string): string;
  sizeBytes(reference: string): number;
  config(reference: string): ImageConfig;
  /**
   * Runs `command` in the image with `env`, on the host network. `files` (container
   * path: host file) are placed read-only before it starts, as Kubernetes mounts a Secret.
   */
  run(reference: string, command: readonly string[], env: Readonly<Record<string, string>>, files?: Readonly<Record<string, string>>): RunningContainer;
}

function buildArgs(spec: BuildSpec): string[] {
  return [
    ...Object.entries(spec.args).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
    ...Object.entries(spec.secrets ?? {}).flatMap(([id, src]) => ['--secret', `id=${id},src=${src}`]),
  ];
}

/** An image config as both engines print it (`Healthcheck`, `Env`). */
function imageConfig(json: string): ImageConfig {
  const config = JSON.parse(json) as { Healthcheck?: { Test?: string[] } | null; Env?: string[] | null };
  return { healthcheck: (config.Healthcheck?.Test?.length ?? 0) > 0, env: config.Env ?? [] };
}

function run(command: string, args: readonly string[], what: string): string {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${what} failed (${command} ${args.join(' ')}):\n${result.stderr || result.stdout}`);
  return result.stdout;
}

/** Daemonless builds; `vfs` storage works where overlay mounts are not allowed. */
export class Buildah implements ContainerEngine {
  readonly name = 'buildah' as const;
  private readonly global = ['--storage-driver', 'vfs'];

  exists(reference: string): boolean {
    return spawnSync('buildah', [...this.global, 'inspect', '--type', 'image', reference], { stdio: 'ignore' }).status === 0;
  }

  build(spec: BuildSpec): void {
    // Docker format: OCI image configs have no HEALTHCHECK, and compose relies on it. --force-rm: without it
    // a stage used only by COPY --from (Dockerfile.sandbox's runtime) leaves its working container behind.
    const flags = ['--isolation', 'chroot', '--layers', '--force-rm', '--format', 'docker', '-q', '-f', spec.dockerfile, ...buildArgs(spec)];
    run('buildah', [...this.global, 'bud', ...flags, '-t', spec.reference, spec.context], `building ${spec.reference}`);
  }

  config(reference: string): ImageConfig {
    const inspected = JSON.parse(run('buildah', [...this.global, 'inspect', '--type', 'image', reference], 'inspecting')) as { Docker: { config: unknown } };
    return imageConfig(JSON.stringify(inspected.Docker.config));
  }

  tag(source: string, target: string): void {
    run('buildah', [...this.global, 'tag', source, target], `tagging ${target}`);
  }

  push(reference: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'hive-push-'));
    try {
      run('buildah', [...this.global, 'push', '--digestfile', join(dir, 'digest'), reference, `docker://${reference}`], `pushing ${reference}`);
      return readFileSync(join(dir, 'digest'), 'utf8').trim();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  sizeBytes(reference: string): number {
    return Number(run('buildah', [...this.global, 'images', '--format', '{{.Size}}', '--noheading', reference], 'size').trim().split('\n')[0].replace(/[^\d.]/g, '')) * 1e6;
  }

  run(reference: string, command: readonly string[], env: Readonly<Record<string, string>>, files: Readonly<Record<string, string>> = {}): RunningContainer {
    const container = run('buildah', [...this.global, 'from', '-q', reference], `creating a container of ${reference}`).trim();
    for (const [path, source] of Object.entries(files)) {
      run('buildah', [...this.global, 'copy', '-q', '--chmod', '0444', container, source, path], `placing ${path} in the container`);
    }
    const launchedAt = Date.now();
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
    const child = spawn('buildah', [...this.global, 'run', '--isolation', 'chroot', ...envArgs, container, '--', ...command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (c) => (output += c));
    child.stderr!.on('data', (c) => (output += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const global = this.global;
    return {
      launchedAt,
      // buildah does not forward signals: signalling it kills the container. Signal the process itself.
      terminate: () => process.kill(commandPid(child), 'SIGTERM'),
      exited,
      output: () => output,
      writtenOutside(allowed) {
        const mount = run('buildah', [...global, 'mount', container], 'mounting').trim();
        try {
          const changed = execFileSync('find', [mount, '-xdev', '-newermt', `@${Math.floor(launchedAt / 1000) - 1}`, '-not', '-type', 'd'], { encoding: 'utf8' });
          return changed
            .split('\n')
            .filter(Boolean)
            .map((p) => p.slice(mount.length))
            // Placed files keep their host mtime, which can fall within the slack above; the process cannot write them.
            .filter((p) => !(p in files) && !allowed.some((a) => p === a || p.startsWith(`${a}/`)));
        } finally {
          spawnSync('buildah', [...global, 'umount', container], { stdio: 'ignore' });
        }
      },
      async remove() {
        // `buildah rm` leaves a running process alone, and it would keep this script alive.
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
        spawnSync('buildah', [...global, 'rm', container], { stdio: 'ignore' });
      },
    };
  }
}

/** The process `buildah run` started inside the container: the child of buildah-chroot-exec. */
function commandPid(buildah: ChildProcess): number {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  const descendants = (pid: number): number[] => [...parents].filter(([, ppid]) => ppid === pid).flatMap(([child]) => [child, ...descendants(child)]);
  const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const started = descendants(buildah.pid!).find((pid) => {
    try {
      return cmdline(pid)[0].endsWith('node') && cmdline(parents.get(pid)!)[0].startsWith('buildah-chroot-exec');
    } catch {
      return false;
    }
  });
  if (started === undefined) throw new Error('the node process inside the container was not found');
  return started;
}

/** Docker with buildx, where an engine runs. */
export class Docker implements ContainerEngine {
  readonly name = 'docker' as const;

  static available(): boolean {
    return spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;
  }

  exists(reference: string): boolean {
    return spawnSync('docker', ['image', 'inspect', reference], { stdio: 'ignore' }).status === 0;
  }

  build(spec: BuildSpec): void {
    run('docker', ['buildx', 'build', '--load', '-f', spec.dockerfile, ...buildArgs(spec), '-t', spec.reference, spec.context], `building ${spec.reference}`);
  }

  config(reference: string): ImageConfig {
    return imageConfig(run('docker', ['image', 'inspect', '--format', '{{json .Config}}', reference], 'inspecting'));
  }

  tag(source: string, target: string): void {
    run('docker', ['tag', source, target], `tagging ${target}`);
  }

  push(reference: string): string {
    run('docker', ['push', reference], `pushing ${reference}`);
    // The push records the digest in the image's RepoDigests, one per repository it was pushed to.
    const repository = reference.slice(0, reference.lastIndexOf(':'));
    const repoDigests = JSON.parse(run('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', reference], 'inspecting')) as string[] | null;
    const pushed = repoDigests?.find((entry) => entry.startsWith(`${repository}@`));
    if (!pushed) throw new Error(`docker push ${reference} left no digest of ${repository} (RepoDigests: ${JSON.stringify(repoDigests)})`);
    return pushed.slice(repository.length + 1);
  }

  sizeBytes(reference: string): number {
    return Number(run('docker', ['image', 'inspect', '--format', '{{.Size}}', reference], 'size').trim());
  }

  run(reference: string, command: readonly string[], env: Readonly<Record<string, string>>, files: Readonly<Record<string, string>> = {}): RunningContainer {
    const name = `agent-hive-smoke-${process.pid}-${Date.now()}`;
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const mounts = Object.entries(files).flatMap(([path, source]) => ['-v', `${source}:${path}:ro`]);
    const [executable, ...args] = command;
    const flags = ['--name', name, '--network', 'host', '--read-only', '--tmpfs', '/tmp', '--tmpfs', '/app/workspace', ...envArgs, ...mounts, '--entrypoint', executable];
    const launchedAt = Date.now();
    const child = spawn('docker', ['run', ...flags, reference, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (c) => (output += c));
    child.stderr!.on('data', (c) => (output += c));
    return {
      launchedAt,
      terminate: () => void spawnSync('docker', ['kill', '--signal', 'SIGTERM', name]),
      exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
      output: () => output,
      // --read-only makes any other write fail inside the container.
      writtenOutside: () => undefined,
      remove: async () => void spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' }),
    };
  }
}

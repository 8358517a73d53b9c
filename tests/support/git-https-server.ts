import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, Server } from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { requireTool } from './system-tools';

/**
 * A git host on loopback: git's own smart-HTTP server (`git http-backend`)
 * behind HTTPS with a self-signed certificate and Basic auth, accepting only
 * `x-access-token:<token>`, as GitHub-like hosts take a token. It records the
 * credentials each request came with.
 */
export class GitHttpsServer {
  /** The password of every request, by git service (upload-pack fetches, receive-pack pushes); '' without one. */
  readonly seen: Array<{ service: string; password: string }> = [];
  private server?: Server;
  private readonly dir = mkdtempSync(join(tmpdir(), 'hive-git-https-'));
  /** The certificate to trust (GIT_SSL_CAINFO). */
  readonly caFile = join(this.dir, 'cert.pem');

  constructor(
    /** The directory holding the served bare repositories. */
    private readonly projectRoot: string,
    private readonly tokens: readonly string[],
  ) {}

  async start(): Promise<number> {
    const key = join(this.dir, 'key.pem');
    execFileSync(requireTool('openssl'), ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', this.caFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    // The sandbox's uid reads the certificate.
    chmodSync(this.dir, 0o755);
    chmodSync(this.caFile, 0o644);
    this.server = createServer({ key: readFileSync(key), cert: readFileSync(this.caFile) }, (req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** The https URL of a bare repository below the project root. */
  url(port: number, repositoryDir: string): string {
    return `https://127.0.0.1:${port}/${repositoryDir.slice(this.projectRoot.length + 1)}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const service = url.searchParams.get('service') ?? url.pathname.split('/').pop() ?? '';
    const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
    const [user, password] = scheme === 'Basic' ? Buffer.from(encoded, 'base64').toString().split(':') : ['', ''];
    this.seen.push({ service, password: password ?? '' });
    if (user !== 'x-access-token' || !this.tokens.includes(password)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end('authentication required\n');
      return;
    }
    const backend = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: this.projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        REMOTE_USER: user,
        REQUEST_METHOD: req.method,
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      },
    });
    req.pipe(backend.stdin);
    let head = Buffer.alloc(0);
    let headersSent = false;
    backend.stdout.on('data', (chunk: Buffer) => {
      if (headersSent) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const status = Number((headers.status ?? '200').split(' ')[0]);
      delete headers.status;
      res.writeHead(status, headers);
      headersSent = true;
      res.write(head.subarray(end + 4));
    });
    backend.on('close', () => res.end());
  }
}

/** The project root of a bare repository made by BareRepository (its parent directory). */
export const projectRootOf = (repositoryDir: string): string => dirname(repositoryDir);

import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { HEALTH_PATHS, METRICS_PATH } from '../contract';

/** What the probes ask. */
export interface HealthState {
  /** Process and event loop alive. */
  live(): { ok: boolean; reason?: string };
  /** Redis reachable and not draining. */
  ready(): { ok: boolean; reason?: string };
}

type Route = (res: ServerResponse) => Promise<void> | void;

/** A tiny HTTP server: the listed GET routes, 404 for anything else. */
export class ProbeServer {
  private server?: Server;

  constructor(private readonly routes: Readonly<Record<string, Route>>) {}

  async listen(port: number, host = '0.0.0.0'): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const route = req.method === 'GET' ? this.routes[path] : undefined;
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    try {
      await route(res);
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(error as Error).message}\n`);
    }
  }
}

function probe(check: () => { ok: boolean; reason?: string }): Route {
  return (res) => {
    const { ok, reason } = check();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : `${reason ?? 'not ok'}\n`);
  };
}

/** Port 8080: liveness and readiness. */
export function healthServer(state: HealthState): ProbeServer {
  return new ProbeServer({ [HEALTH_PATHS.liveness]: probe(() => state.live()), [HEALTH_PATHS.readiness]: probe(() => state.ready()) });
}

/** Port 9090: the Prometheus text format. */
export function metricsServer(registry: { contentType: string; metrics(): Promise<string> }): ProbeServer {
  return new ProbeServer({
    [METRICS_PATH]: async (res) => {
      const body = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType }).end(body);
    },
  });
}

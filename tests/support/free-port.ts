import { createServer } from 'node:net';

/** Ports handed out already: the OS may offer a just-closed port again before its first user binds it. */
const handedOut = new Set<number>();

/** A TCP port nothing listens on right now, and not handed out before by this process. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/**
 * Runs `launch` with a free port, and again with another while the port was
 * taken before the server bound it (test files run in parallel); returns the
 * port it bound.
 */
export async function launchOnFreePort(launch: (port: number) => Promise<void>, attempts = 5): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      await launch(port);
      return port;
    } catch (error) {
      if (attempt === attempts || !String(error).includes('Address already in use')) throw error;
    }
  }
}

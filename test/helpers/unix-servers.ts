/**
 * Real servers on unix sockets for the plugin-client tests: a normal node:http server, and a raw
 * `net` server for the misbehaviour an HTTP server cannot produce (garbage, resets, drips).
 * Both track their connections so `close()` leaves no handle behind.
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';

export interface Running {
  /** Connections accepted so far. */
  readonly connections: () => number;
  close(): Promise<void>;
}

export async function serveHttp(
  socketPath: string,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  configure?: (server: ReturnType<typeof createHttpServer>) => void,
): Promise<Running> {
  const server = createHttpServer(handler);
  configure?.(server);
  let connections = 0;
  server.on('connection', () => connections++);
  await listen(server, socketPath);
  return {
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface RawOptions {
  /** Do not read what the client sends (lets the server provoke ECONNRESET on close). */
  pauseOnConnect?: boolean;
}

export async function serveRaw(socketPath: string, onConnection: (socket: Socket, index: number) => void, options: RawOptions = {}): Promise<Running> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createNetServer({ pauseOnConnect: options.pauseOnConnect ?? false }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => {}); // the client aborting is part of every test here
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket, connections++);
  });
  await listen(server, socketPath);
  return {
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

/** Calls `onRequest` once per complete request head received on `socket` (GET only, no body). */
export function onRequestHeads(socket: Socket, onRequest: (head: string, n: number) => void): void {
  let buffered = '';
  let n = 0;
  socket.setEncoding('latin1');
  socket.on('data', (data: string) => {
    buffered += data;
    for (;;) {
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffered.slice(0, end);
      buffered = buffered.slice(end + 4);
      onRequest(head, n++);
    }
  });
}

function listen(server: Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A real socket file whose listener died without unlinking it (SIGKILL skips Node's cleanup). */
export async function leaveStaleSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`], {
    stdio: 'ignore',
  });
  await new Promise((resolve) => child.once('exit', resolve));
  if (!(await stat(path)).isSocket()) throw new Error(`no stale socket file at ${path}`);
}

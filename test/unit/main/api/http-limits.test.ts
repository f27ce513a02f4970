/**
 * The API's connection cap on a real server with real TCP clients: a newcomer beyond the cap
 * closes the connection idle for the longest, never one with a request in progress, and is
 * turned away only when every connection is busy.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { API_SERVER_OPTIONS, ConnectionLimiter } from '../../../../src/main/api/http-limits.js';
import { waitFor } from '../../../helpers/wait.js';

const CAP = 3;
let server: Server;
let limiter: ConnectionLimiter;
let port: number;
/** Responses held open by `/hold` requests. */
const held: ServerResponse[] = [];
const clients: Socket[] = [];
/** Connections the server has seen (after the limiter decided about each). */
let accepted = 0;

before(async () => {
  server = createServer(API_SERVER_OPTIONS, (req, res) => {
    if (req.url === '/hold') held.push(res);
    else res.end('ok');
  });
  limiter = new ConnectionLimiter(server, CAP);
  server.on('connection', () => accepted++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  for (const c of clients) c.destroy();
  for (const r of held) r.end();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

interface Client {
  socket: Socket;
  closed: boolean;
  received: string;
}

async function client(request?: string): Promise<Client> {
  const socket = connect(port, '127.0.0.1');
  clients.push(socket);
  const c: Client = { socket, closed: false, received: '' };
  socket.on('error', () => {});
  socket.on('close', () => (c.closed = true));
  socket.on('data', (d) => (c.received += d.toString('latin1')));
  const before = accepted;
  await new Promise((resolve) => socket.once('connect', resolve));
  await waitFor('the server to take the connection', () => accepted > before);
  if (request) socket.write(`GET ${request} HTTP/1.1\r\nHost: x\r\n\r\n`);
  return c;
}

test('the longest idle connection makes room; busy ones are kept; all busy turns the newcomer away', async () => {
  const busy = await client('/hold');
  await waitFor('the held request', () => held.length === 1);
  const idle1 = await client();
  const idle2 = await client();
  await waitFor('three open', () => limiter.stats.open === 3);

  const late = await client('/healthz');
  await waitFor('the late client to be answered', () => /\r\n\r\nok$/.test(late.received));
  await waitFor('the oldest idle client to be closed', () => idle1.closed);
  assert.equal(busy.closed, false, 'a connection with a request in progress is never evicted');
  assert.equal(idle2.closed, false);
  assert.equal(limiter.stats.evicted, 1);

  // Now: busy (held), idle2, late (answered, idle again). Hold two more: every connection busy.
  idle2.socket.write('GET /hold HTTP/1.1\r\nHost: x\r\n\r\n');
  late.socket.write('GET /hold HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor('three held', () => held.length === 3);
  const turnedAway = await client('/healthz');
  await waitFor('the newcomer to be refused', () => turnedAway.closed);
  assert.equal(limiter.stats.refused, 1);
  assert.equal(busy.closed || idle2.closed || late.closed, false);
});

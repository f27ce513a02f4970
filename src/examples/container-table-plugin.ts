/**
 * The container-table example: a reporter that adds a "Listening ports" table to container nodes,
 * the way upstream's scope-traffic-control plugin adds its table. It shows the one part of the
 * report format that is easy to get wrong: table data has no structure of its own. A
 * `table_templates` entry declares a prefix and columns, and each cell is a node `latest` entry
 * keyed `<prefix><rowID>___<columnID>` (three underscores, docs/spec/report-format.md#topologies).
 *
 * The data is a list of containers with their listening sockets, read from a JSON file on every
 * poll (so a demo can edit it live), or a fixed, deterministic demo list. Real container ids would
 * come from the Docker API; this example keeps to the report side.
 */
import { readFile } from 'node:fs/promises';
import { containerNodeId, latest, servePlugin, timestamp, type PluginServer } from '../kit/index.js';

export interface ListeningPort {
  readonly port: number;
  readonly protocol: 'tcp' | 'udp';
  /** The process that owns the socket, e.g. `nginx`. */
  readonly process: string;
}

export interface ContainerPorts {
  /** Full 64-hex-digit container id. */
  readonly id: string;
  readonly name: string;
  readonly ports: readonly ListeningPort[];
}

/** The table's latest-key prefix; also the template id, as upstream plugins do. */
export const TABLE_PREFIX = 'container-ports-table-';
/** A plain count, shown in the node's metadata section. */
export const COUNT_KEY = 'container-ports-count';

/** Three deterministic demo containers (ids look like Docker's: 64 hex digits). */
export const DEMO_CONTAINERS: readonly ContainerPorts[] = [
  {
    id: '3f4e0c8b9a1d2e7f60b5c4d3a2918f7e6d5c4b3a29180f7e6d5c4b3a2918f7e6',
    name: 'web',
    ports: [
      { port: 80, protocol: 'tcp', process: 'nginx' },
      { port: 443, protocol: 'tcp', process: 'nginx' },
    ],
  },
  {
    id: '9a8b7c6d5e4f30211f2e3d4c5b6a79880a1b2c3d4e5f60718293a4b5c6d7e8f9',
    name: 'db',
    ports: [{ port: 5432, protocol: 'tcp', process: 'postgres' }],
  },
  {
    id: 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00',
    name: 'dns',
    ports: [
      { port: 53, protocol: 'udp', process: 'coredns' },
      { port: 53, protocol: 'tcp', process: 'coredns' },
      { port: 9153, protocol: 'tcp', process: 'coredns' },
    ],
  },
];

const COLUMNS = [
  { id: 'port', label: 'Port', dataType: 'number' },
  { id: 'protocol', label: 'Protocol', dataType: '' },
  { id: 'process', label: 'Process', dataType: '' },
] as const;

/** The row id of one listening socket: unique per container, and free of the `___` separator. */
export function rowId(p: ListeningPort): string {
  return `${p.protocol}-${p.port}`;
}

/** The report for a list of containers (pure). */
export function containerTableReport(containers: readonly ContainerPorts[], ts: string = timestamp()): object {
  const nodes: Record<string, object> = {};
  for (const c of containers) {
    const entries: Record<string, { timestamp: string; value: string }> = {
      [COUNT_KEY]: latest(String(c.ports.length), ts),
    };
    for (const p of c.ports) {
      const row = `${TABLE_PREFIX}${rowId(p)}___`;
      entries[`${row}port`] = latest(String(p.port), ts);
      entries[`${row}protocol`] = latest(p.protocol, ts);
      entries[`${row}process`] = latest(p.process, ts);
    }
    const id = containerNodeId(c.id);
    nodes[id] = { id, topology: 'container', latest: entries };
  }
  return {
    Container: {
      nodes,
      metadata_templates: {
        [COUNT_KEY]: { id: COUNT_KEY, label: 'Listening ports', dataType: 'number', priority: 13.7, from: 'latest' },
      },
      table_templates: {
        [TABLE_PREFIX]: {
          id: TABLE_PREFIX,
          label: 'Listening ports',
          prefix: TABLE_PREFIX,
          type: 'multicolumn-table',
          columns: COLUMNS,
          fixedRows: {},
        },
      },
    },
  };
}

/** Reads and checks a containers file: `[{id, name, ports: [{port, protocol, process}]}]`. */
export async function readContainers(path: string): Promise<ContainerPorts[]> {
  const data: unknown = JSON.parse(await readFile(path, 'utf8'));
  if (!Array.isArray(data)) throw new Error(`${path}: expected a JSON array of containers`);
  return data.map((c: unknown, i) => {
    const { id, name, ports } = (c ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string' || !/^[0-9a-f]{12,64}$/.test(id)) throw new Error(`${path}[${i}].id: expected a hex container id`);
    if (typeof name !== 'string') throw new Error(`${path}[${i}].name: expected a string`);
    if (!Array.isArray(ports)) throw new Error(`${path}[${i}].ports: expected an array`);
    for (const p of ports as Record<string, unknown>[]) {
      if (!Number.isInteger(p.port) || (p.protocol !== 'tcp' && p.protocol !== 'udp') || typeof p.process !== 'string') {
        throw new Error(`${path}[${i}].ports: each port needs {port: integer, protocol: "tcp"|"udp", process: string}`);
      }
    }
    return { id, name, ports: ports as ListeningPort[] };
  });
}

export interface ContainerTableOptions {
  readonly root?: string;
  readonly socketPath?: string;
  /** A JSON file read on every poll; default: `DEMO_CONTAINERS`. A bad file fails that poll (500). */
  readonly containersFile?: string;
}

/** Starts the container-table plugin (`container-table`, a reporter). */
export function startContainerTablePlugin(options: ContainerTableOptions = {}): Promise<PluginServer> {
  const file = options.containersFile;
  return servePlugin({
    id: 'container-table',
    root: options.root,
    socketPath: options.socketPath,
    spec: { label: 'Container ports', description: 'Adds a table of listening ports to containers' },
    report: async () => containerTableReport(file === undefined ? DEMO_CONTAINERS : await readContainers(file)),
  });
}

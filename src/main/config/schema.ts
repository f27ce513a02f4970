/**
 * The config file, defined once: this TypeBox schema is the TS type of the file (`ConfigFile`), the
 * validator (`Value.Errors` in `validate.ts`) and the JSON Schema shipped for editors
 * (`schema/config.schema.json`, written by `scripts/write-schema.ts`). Defaults live in `DEFAULTS`
 * and are copied into the schema, so the docs, `--help` and the resolved config cannot disagree.
 *
 * Every object has `additionalProperties: false`: a misspelt key is an error, not a silently
 * ignored setting.
 */
import { Type } from '@sinclair/typebox';
import type { Static, TInteger } from '@sinclair/typebox';

/** pino's levels, least to most severe, plus `silent`. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Upstream's probe ID: a random int63 printed in lower-case hex, so 1 to 16 digits. */
export const PROBE_ID_PATTERN = '^[0-9a-f]{1,16}$';
/**
 * A loose shape of `HOST:PORT` for editors; `parseListen` (address.ts) is the exact check. Anything
 * `parseListen` accepts matches this pattern, so a pattern failure is always a real error.
 */
export const LISTEN_PATTERN = '^(\\[[^\\s\\[\\]]+\\]|[^\\s:\\[\\]]+):[0-9]{1,5}$';
/** A loose shape of an http(s) URL for editors; `isHttpUrl` (address.ts) is the exact check. */
export const HTTP_URL_PATTERN = '^[Hh][Tt][Tt][Pp][Ss]?://';

/** Fully resolved configuration: frozen, every key filled. */
export interface HostConfig {
  pluginsRoot: string;
  listen: { host: string; port: number };
  probeId: string;
  apiVersion: string;
  pollIntervalMs: number;
  pollSlotMs: number;
  timeoutMs: number;
  maxResponseBytes: number;
  maxNodesPerReport: number;
  rescanIntervalMs: number;
  maxWatchedDirs: number;
  workers: number;
  pluginsPerWorker: number;
  maxConcurrentPollsPerWorker: number;
  backgroundNice: number;
  handshake: { retryInitialMs: number; retryMaxMs: number };
  failureBackoffMaxMs: number;
  logLevel: string;
  publish: { apps: string[]; intervalMs: number; token: string | undefined; timeoutMs: number; queueSize: number; besideProbe: boolean };
  metrics: { perPlugin: boolean };
}

/** Upper bound of `workers`; also caps the default taken from `os.availableParallelism()`. */
export const MAX_WORKERS = 64;

type DeepReadonly<T> = { readonly [K in keyof T]: T[K] extends object ? DeepReadonly<T[K]> : T[K] };

/**
 * Defaults for every key except the two computed at start-up: `probeId` (random, 16 hex digits)
 * and `workers` (available parallelism, at most MAX_WORKERS). Upstream's values where it has one.
 */
export const DEFAULTS: DeepReadonly<Omit<HostConfig, 'probeId' | 'workers'>> = deepFreeze({
  pluginsRoot: '/var/run/scope/plugins',
  listen: { host: '127.0.0.1', port: 4041 },
  apiVersion: '1',
  pollIntervalMs: 1000,
  pollSlotMs: 50,
  timeoutMs: 500,
  maxResponseBytes: 52_428_800,
  maxNodesPerReport: 20_000,
  rescanIntervalMs: 5000,
  maxWatchedDirs: 10_000,
  pluginsPerWorker: 3000,
  maxConcurrentPollsPerWorker: 128,
  backgroundNice: 10,
  handshake: { retryInitialMs: 1000, retryMaxMs: 15_000 },
  failureBackoffMaxMs: 10_000,
  logLevel: 'info',
  publish: { apps: [], intervalMs: 3000, token: undefined, timeoutMs: 12_000, queueSize: 2, besideProbe: false },
  metrics: { perPlugin: false },
});

const DEFAULT_LISTEN = `${DEFAULTS.listen.host}:${DEFAULTS.listen.port}`;

/**
 * Upper bound of every `*Ms` key and of `maxResponseBytes`: Node timers fire at once (with a
 * TimeoutOverflowWarning) beyond 2^31-1 ms, and no body that large could be parsed anyway.
 */
export const MAX_INT32 = 2_147_483_647;

/** An integer in [minimum, maximum] (`null`: no upper bound), with its default and meaning. */
function int(defaultValue: number | undefined, description: string, minimum = 1, maximum: number | null = MAX_INT32): TInteger {
  return Type.Integer({
    minimum,
    ...(maximum === null ? {} : { maximum }),
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
    description,
  });
}

const strict = { additionalProperties: false } as const;

export const ConfigFileSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String({ description: 'Ignored. Lets editors find this JSON Schema.' })),
    pluginsRoot: Type.Optional(
      Type.String({
        default: DEFAULTS.pluginsRoot,
        description:
          'Directory searched recursively for plugin unix sockets. "" disables plugins (no scanning, no errors). ' +
          "A relative path is resolved against the config file's directory.",
      }),
    ),
    listen: Type.Optional(
      Type.String({
        pattern: LISTEN_PATTERN,
        default: DEFAULT_LISTEN,
        description: "Address of the host's HTTP API, HOST:PORT. HOST is an IPv4 address, a hostname or [IPv6]; " + 'PORT is 0-65535 (0 picks a free port).',
      }),
    ),
    probeId: Type.Optional(
      Type.String({
        pattern: PROBE_ID_PATTERN,
        description:
          "This probe's ID, 1-16 lower-case hex digits (upstream's format), sent to plugins as probe_id and to " +
          'apps as X-Scope-Probe-ID. Default: random, 16 hex digits, new at every start.',
      }),
    ),
    apiVersion: Type.Optional(
      Type.String({
        minLength: 1,
        default: DEFAULTS.apiVersion,
        description: "Plugin API version sent as api_version; every plugin's spec must declare the same.",
      }),
    ),
    pollIntervalMs: Type.Optional(int(DEFAULTS.pollIntervalMs, 'How often each plugin is polled with GET /report, in ms.')),
    pollSlotMs: Type.Optional(
      int(
        DEFAULTS.pollSlotMs,
        'Granularity of the per-plugin poll offsets inside the interval, in ms: plugins sharing a slot are polled in one burst, which costs less CPU than one wake-up per plugin.',
      ),
    ),
    timeoutMs: Type.Optional(int(DEFAULTS.timeoutMs, 'Deadline of one plugin exchange (connect, request and the whole body), in ms.')),
    maxResponseBytes: Type.Optional(
      int(DEFAULTS.maxResponseBytes, 'Largest accepted plugin reply body in bytes, counted after gzip decoding; a larger one fails the poll.'),
    ),
    maxNodesPerReport: Type.Optional(
      int(
        DEFAULTS.maxNodesPerReport,
        'Most nodes (all topologies together) accepted in one plugin report; a larger report fails the poll before it is normalised, which bounds the memory and CPU one plugin can cost.',
      ),
    ),
    rescanIntervalMs: Type.Optional(
      int(
        DEFAULTS.rescanIntervalMs,
        'How often the plugins root is rescanned for sockets, in ms, at most: rescans are spaced so that they take at most 1 % of the time (the file watcher finds new sockets sooner).',
      ),
    ),
    maxWatchedDirs: Type.Optional(
      int(
        DEFAULTS.maxWatchedDirs,
        'Most directories below the plugins root that get a file watch: those holding sockets, and for a minute those that just appeared or emptied. Beyond it a warning is logged once and those directories are found by periodic rescans only. 0 watches the root alone.',
        0,
        null,
      ),
    ),
    workers: Type.Optional(
      int(
        undefined,
        `Most worker threads that host the plugin actors, 1-${MAX_WORKERS}: one starts with the host, another each time every started one holds pluginsPerWorker plugins. Default: os.availableParallelism(), at most ${MAX_WORKERS}.`,
        1,
        MAX_WORKERS,
      ),
    ),
    pluginsPerWorker: Type.Optional(
      int(
        DEFAULTS.pluginsPerWorker,
        'Plugins a worker thread takes before another one is started (up to workers); a new plugin goes to the started worker holding the fewest, and a plugin never changes worker.',
        1,
        null,
      ),
    ),
    maxConcurrentPollsPerWorker: Type.Optional(
      int(DEFAULTS.maxConcurrentPollsPerWorker, 'Most polls one worker thread runs at the same time; further polls wait their turn.', 1, null),
    ),
    backgroundNice: Type.Optional(
      int(
        DEFAULTS.backgroundNice,
        'Linux nice value (0-19) of the background threads that build merged reports and parse reports over 1 MiB: 10 lets polling win when CPU is short (the report then takes longer); 0 runs them at the same priority as polling.',
        0,
        19,
      ),
    ),
    handshake: Type.Optional(
      Type.Object(
        {
          retryInitialMs: Type.Optional(
            int(DEFAULTS.handshake.retryInitialMs, 'First retry delay after a failed plugin handshake, in ms; doubles after each failure.'),
          ),
          retryMaxMs: Type.Optional(int(DEFAULTS.handshake.retryMaxMs, 'Largest handshake retry delay, in ms; must be >= handshake.retryInitialMs.')),
        },
        { ...strict, description: 'Retries of the plugin handshake.' },
      ),
    ),
    failureBackoffMaxMs: Type.Optional(
      int(DEFAULTS.failureBackoffMaxMs, "A failing plugin's poll interval doubles after each consecutive failure, up to this many ms; a success resets it."),
    ),
    logLevel: Type.Optional(
      Type.Union(
        LOG_LEVELS.map((level) => Type.Literal(level)),
        { default: DEFAULTS.logLevel, description: `Least severe level logged: ${LOG_LEVELS.join(', ')}.` },
      ),
    ),
    publish: Type.Optional(
      Type.Object(
        {
          apps: Type.Optional(
            Type.Array(Type.String({ pattern: HTTP_URL_PATTERN }), {
              default: [],
              description:
                'Base URLs of Scope apps (http or https, e.g. http://127.0.0.1:4040) that receive the merged report. ' +
                '[] publishes nowhere; the report is still served over HTTP.',
            }),
          ),
          intervalMs: Type.Optional(int(DEFAULTS.publish.intervalMs, 'How often the merged report is published to each app, in ms.')),
          token: Type.Optional(Type.String({ minLength: 1, description: 'If set, sent to apps as Authorization: Scope-Probe token=<token>.' })),
          timeoutMs: Type.Optional(int(DEFAULTS.publish.timeoutMs, 'Timeout of one publish request, in ms.')),
          queueSize: Type.Optional(
            int(DEFAULTS.publish.queueSize, 'Reports queued per app while it is slow or down; the oldest is dropped when full.', 1, null),
          ),
          besideProbe: Type.Optional(
            Type.Boolean({
              default: DEFAULTS.publish.besideProbe,
              description:
                'A real Scope probe on this machine publishes to the same apps: leave control_probe_id of host, container and ' +
                'orchestrator nodes to it (plugin controls still reach this host through their own probeId).',
            }),
          ),
        },
        { ...strict, description: 'Publishing the merged report to Scope apps.' },
      ),
    ),
    metrics: Type.Optional(
      Type.Object(
        {
          perPlugin: Type.Optional(
            Type.Boolean({
              default: DEFAULTS.metrics.perPlugin,
              description: 'Also export per-plugin metric series (one label value per plugin); off to bound cardinality.',
            }),
          ),
        },
        { ...strict, description: 'Self-metrics.' },
      ),
    ),
  },
  { ...strict, title: 'scope-plugin-host configuration' },
);

export type ConfigFile = Static<typeof ConfigFileSchema>;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

export { deepFreeze };

/**
 * Public types of the plugin kit. The wire shapes follow docs/spec/plugin-protocol.md: the spec in
 * every report (#report-response), the seed-era handshake (#handshake-era) and `POST /control`
 * (#post-control).
 */

/** Interfaces a plugin can declare. Every current-era plugin must be a `reporter`. */
export type PluginInterface = 'reporter' | 'controller' | (string & {});

/** What the plugin says about itself; the kit fills `id` and the defaults. */
export interface PluginSpecInput {
  /** Shown in the Scope UI footer. Must be non-empty or the host marks the plugin as errored. */
  readonly label: string;
  /** Shown in the UI tooltip. */
  readonly description?: string;
  /** Default: `['reporter']`, plus `'controller'` when a `control` handler is given. */
  readonly interfaces?: readonly PluginInterface[];
  /** Default `'1'`, the only version a Scope probe accepts. */
  readonly api_version?: string;
}

/** The spec as it travels in a report's `Plugins` array (keys in upstream's alphabetical order). */
export interface PluginSpecWire {
  api_version: string;
  description?: string;
  id: string;
  interfaces: string[];
  label: string;
}

/** What every handler learns about the request that called it. */
export interface RequestContext {
  /** The `probe_id` query parameter: the random id of the asking probe ('' when absent). */
  readonly probeId: string;
  /** The `api_version` query parameter ('' when absent). */
  readonly apiVersion: string;
  /**
   * Aborted when the client goes away before the answer was written (for example a host giving up
   * after its 500 ms deadline), so slow handlers can stop work and release what they hold.
   */
  readonly signal: AbortSignal;
}

/** The body of `POST /control` as the probe sends it (capitalised keys). */
export interface ControlRequest {
  readonly AppID: string;
  /** The node the user clicked, e.g. `myhost;<host>`. */
  readonly NodeID: string;
  /** The plugin's own control id (the host strips the `pluginID~` prefix). */
  readonly Control: string;
  readonly ControlArgs: Record<string, string> | null;
}

/** What a control handler answers. An `error` is shown to the user (the app answers HTTP 400). */
export interface ControlResponse {
  readonly value?: unknown;
  readonly error?: string;
  /** A report the host publishes at once, e.g. to hide a control that no longer applies. */
  readonly shortcutReport?: object;
}

/** One finished (or abandoned) HTTP exchange, for logging and the benchmark fleet. */
export interface RequestEvent {
  readonly method: string;
  /** Path without the query string, e.g. `/report`. */
  readonly path: string;
  /** When the request arrived and when its answer was written or abandoned: epoch ms, µs precision. */
  readonly arrive: number;
  readonly finish: number;
  /** HTTP status sent; 0 when the client went away before an answer was written. */
  readonly status: number;
}

export interface ServePluginOptions {
  /** Plugin id; must match `^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$` (docs/spec/plugin-protocol.md#plugin-ids). */
  readonly id: string;
  /** Plugin root, default `/var/run/scope/plugins`; the socket goes to `<root>/<id>/<id>.sock`. */
  readonly root?: string;
  /** Exact socket path; overrides `root`. Its basename (without extension) should be `id`. */
  readonly socketPath?: string;
  readonly spec: PluginSpecInput;
  /**
   * Builds the report for `GET /report`. Return an object (the kit adds `Plugins: [spec]` unless it
   * has a `Plugins` key already) or a string of JSON that is sent verbatim (pre-serialized; the kit
   * adds nothing). Throwing answers HTTP 500.
   */
  readonly report: (ctx: RequestContext) => object | string | Promise<object | string>;
  /** Handles `POST /control`; giving one makes the plugin a `controller` by default. */
  readonly control?: (req: ControlRequest, ctx: RequestContext) => ControlResponse | Promise<ControlResponse>;
  /**
   * Seed-era plugin (2016, docs/spec/plugin-protocol.md#handshake-era): answer `GET /` with the
   * handshake, and by default do not put a `Plugins` section into `/report` (the handshake carried
   * the spec then).
   */
  readonly handshake?: boolean;
  /** Add `Plugins: [spec]` to reports. Default: `true`, or `false` when `handshake` is set. */
  readonly reportSpec?: boolean;
  /** Gzip `/report` bodies for clients that send `Accept-Encoding: gzip` (a Go probe does). */
  readonly gzip?: boolean;
  /**
   * Remove the socket (and the directory the kit created) on `close()` and, synchronously, when the
   * process exits. Default true: a socket left behind is polled and listed as broken forever.
   */
  readonly removeOnExit?: boolean;
  /** Called after each request was answered or abandoned. Must not throw. */
  readonly onRequest?: (event: RequestEvent) => void;
}

export interface PluginServer {
  readonly id: string;
  readonly socketPath: string;
  /** Stops listening, drops open connections, removes the socket. Idempotent. */
  close(): Promise<void>;
  /** Requests received on `/report` and `/control` (live counters). */
  readonly stats: { readonly reports: number; readonly controls: number };
}

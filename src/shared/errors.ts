/**
 * Stable error codes. Errors cross thread boundaries as plain data (`ErrorData`), never as thrown
 * `Error` objects: on Node 20 a structured-cloned Error loses its subclass and its `code`.
 *
 * A plugin's status string is always `error: ${message}`; the `code` is what programs (tests,
 * metrics, log-on-change logic) look at. Codes never change meaning once released.
 */
export const ErrorCode = {
  // Transport, in the order of a request's life.
  /** No listener, refused, socket file missing, permission denied on the socket. */
  CONNECT: 'PLUGIN_CONNECT',
  /** The socket path does not fit a unix socket address (107 bytes); never dialled. */
  SOCKET_PATH_TOO_LONG: 'PLUGIN_SOCKET_PATH_TOO_LONG',
  /** Not polled: more plugins than the process's open-file limit leaves descriptors for. */
  FD_LIMIT: 'PLUGIN_FD_LIMIT',
  /** The whole exchange did not finish within `timeoutMs`. */
  TIMEOUT: 'PLUGIN_TIMEOUT',
  /** The peer broke HTTP: reset mid-body, closed without answering, not HTTP, headers too large. */
  PROTOCOL: 'PLUGIN_PROTOCOL',
  /** HTTP status other than 200. */
  HTTP_STATUS: 'PLUGIN_HTTP_STATUS',
  /** Body (after gzip) larger than `maxResponseBytes`. */
  TOO_LARGE: 'PLUGIN_TOO_LARGE',
  /** Body is not JSON, or not a Scope report (bad timestamp, wrong types, invalid UTF-8). */
  DECODE: 'PLUGIN_DECODE',
  /** More nodes than `maxNodesPerReport`. */
  TOO_MANY_NODES: 'PLUGIN_TOO_MANY_NODES',

  // Report validation (docs/spec/plugin-protocol.md#validation-order).
  SPEC_COUNT: 'PLUGIN_SPEC_COUNT',
  ID_CHANGED: 'PLUGIN_ID_CHANGED',
  API_VERSION: 'PLUGIN_API_VERSION',
  NO_LABEL: 'PLUGIN_NO_LABEL',
  NOT_REPORTER: 'PLUGIN_NOT_REPORTER',

  /**
   * Another socket with the same plugin ID serves it; this one is not polled
   * (docs/spec/plugin-protocol.md#duplicate-ids).
   */
  DUPLICATE_ID: 'PLUGIN_DUPLICATE_ID',

  // Handshake era (docs/spec/plugin-protocol.md#handshake-era).
  HANDSHAKE: 'PLUGIN_HANDSHAKE',

  // Controls (docs/spec/plugin-protocol.md#control-errors).
  CONTROL_NOT_RECOGNISED: 'CONTROL_NOT_RECOGNISED',
  CONTROL_PLUGIN_NOT_FOUND: 'CONTROL_PLUGIN_NOT_FOUND',
  NOT_CONTROLLER: 'PLUGIN_NOT_CONTROLLER',
  CONTROL_BAD_REQUEST: 'CONTROL_BAD_REQUEST',
  /** The plugin answered the control with an `error` of its own. */
  CONTROL_PLUGIN_ERROR: 'PLUGIN_ERROR',
  SHORTCUT_INVALID: 'PLUGIN_SHORTCUT_INVALID',

  // Publishing to Scope apps (docs/publishing.md), in the order of a request's life.
  /** Could not reach the app, or the connection broke before an answer: refused, reset, DNS, TLS. */
  APP_UNREACHABLE: 'APP_UNREACHABLE',
  /** The publish request did not finish within the app client's `timeoutMs` (12 s upstream). */
  APP_TIMEOUT: 'APP_TIMEOUT',
  /** The app answered with an HTTP status other than 200. */
  APP_HTTP_STATUS: 'APP_HTTP_STATUS',

  // Host-side failures.
  /** A configuration value is unusable (e.g. an `--app` URL that is not http(s)). */
  CONFIG_INVALID: 'HOST_CONFIG_INVALID',
  /** A request the API accepts from loopback addresses only (`POST /-/reload`) came from elsewhere. */
  FORBIDDEN: 'HOST_FORBIDDEN',
  WORKER_CRASHED: 'HOST_WORKER_CRASHED',
  SHUTTING_DOWN: 'HOST_SHUTTING_DOWN',
  INTERNAL: 'HOST_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An error as it travels between threads and into status strings and API bodies. */
export interface ErrorData {
  readonly code: ErrorCode;
  /** Human text without the `error: ` prefix, e.g. `plugin returned non-200 status code: 500 Internal Server Error`. */
  readonly message: string;
}

export function errorData(code: ErrorCode, message: string): ErrorData {
  return { code, message };
}

/** The status string a plugin shows for this error (docs/spec/plugin-protocol.md#statuses). */
export function statusOf(error: ErrorData): string {
  return `error: ${error.message}`;
}

/** An Error that carries a stable code, for use inside one thread only. */
export class HostError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HostError';
    this.code = code;
  }
  toData(): ErrorData {
    return { code: this.code, message: this.message };
  }
}

export function assertNever(value: never, what = 'value'): never {
  throw new HostError(ErrorCode.INTERNAL, `unexpected ${what}: ${JSON.stringify(value)}`);
}

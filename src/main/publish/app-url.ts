import { ErrorCode, HostError } from '../../shared/errors.js';

/** Where and how to reach one configured app (docs/spec/app-protocol.md#publishing-a-report). */
export interface AppTarget {
  /** `scheme://host:port`, what the HTTP client connects to (one keep-alive client per origin). */
  readonly origin: string;
  /** Request path: the URL's path prefix + `/api/report`, e.g. `/scope/api/report`. */
  readonly reportPath: string;
  /** The app's identity endpoint: prefix + `/api`. */
  readonly apiPath: string;
  /** The control websocket: `ws(s)://host:port` + prefix + `/api/control/ws`. */
  readonly controlUrl: string;
  /** The URL as shown in logs and stats: no credentials, no trailing slash. */
  readonly display: string;
  /** Token taken from the URL's user part (`https://<token>@host`), as upstream's probe accepts. */
  readonly token?: string;
  /** `user:pass` from the URL's user part (`https://user:pass@host`): HTTP basic auth. */
  readonly basic?: string;
}

/**
 * Parses an app base URL as given in `publish.apps` / `--app`.
 *
 * Accepts `http(s)://host[:port][/prefix]`; a bare `host:port` gets `http://` (upstream's
 * probe takes `scope launch`-style targets without a scheme). A path prefix is kept, so an app
 * behind a reverse proxy at `/scope` is reached at `/scope/api/report`. Query strings and
 * fragments are rejected rather than silently dropped: they would never reach the app.
 */
export function parseAppUrl(input: string): AppTarget {
  const raw = input.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new HostError(ErrorCode.CONFIG_INVALID, `invalid app URL ${JSON.stringify(input)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HostError(ErrorCode.CONFIG_INVALID, `app URL must be http or https: ${JSON.stringify(input)}`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new HostError(ErrorCode.CONFIG_INVALID, `app URL must not have a query or fragment: ${JSON.stringify(input)}`);
  }
  const prefix = url.pathname.replace(/\/+$/, '');
  const user = url.username !== '' ? decodeURIComponent(url.username) : undefined;
  const pass = url.password !== '' ? decodeURIComponent(url.password) : undefined;
  const wsOrigin = url.origin.replace(/^http/, 'ws');
  return {
    origin: url.origin,
    reportPath: `${prefix}/api/report`,
    apiPath: `${prefix}/api`,
    controlUrl: `${wsOrigin}${prefix}/api/control/ws`,
    display: `${url.origin}${prefix}`,
    ...(user !== undefined && pass === undefined ? { token: user } : {}),
    ...(user !== undefined && pass !== undefined ? { basic: `${user}:${pass}` } : {}),
  };
}

export interface ProbeIdentity {
  /** `X-Scope-Probe-ID`. */
  readonly probeId: string;
  /** `X-Scope-Probe-Version`, and `User-Agent: Scope_Probe/<version> scope-plugin-host/<version>`. */
  readonly version: string;
  /** Sent as `Authorization: Scope-Probe token=<token>` unless the URL carries credentials. */
  readonly token?: string | undefined;
}

/**
 * The headers of every request to an app, as upstream's probe sends them: the publish, `GET /api`
 * and the control websocket alike (docs/spec/app-protocol.md#headers).
 */
export function probeHeaders(target: AppTarget, probe: ProbeIdentity): Record<string, string> {
  const token = target.token ?? probe.token;
  const authorization =
    target.basic !== undefined
      ? `Basic ${Buffer.from(target.basic, 'utf8').toString('base64')}`
      : token !== undefined && token !== ''
        ? `Scope-Probe token=${token}`
        : undefined;
  return {
    'x-scope-probe-id': probe.probeId,
    'x-scope-probe-version': probe.version,
    // Scope_Probe/ first: apps and proxies that sniff the probe's user agent still match.
    'user-agent': `Scope_Probe/${probe.version} scope-plugin-host/${probe.version}`,
    ...(authorization !== undefined ? { authorization } : {}),
  };
}

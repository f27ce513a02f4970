import { ErrorCode, HostError } from '../../shared/errors.js';

/** Where and how to POST reports for one configured app (report-model §6.1). */
export interface AppTarget {
  /** `scheme://host:port`, what the HTTP client connects to (one keep-alive client per origin). */
  readonly origin: string;
  /** Request path: the URL's path prefix + `/api/report`, e.g. `/scope/api/report`. */
  readonly reportPath: string;
  /** The URL as shown in logs and stats: no credentials, no trailing slash. */
  readonly display: string;
  /** Token taken from the URL's user part (`https://<token>@host`), as upstream's probe accepts. */
  readonly token?: string;
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
  const token = url.username !== '' ? decodeURIComponent(url.username) : undefined;
  return {
    origin: url.origin,
    reportPath: `${prefix}/api/report`,
    display: `${url.origin}${prefix}`,
    ...(token !== undefined ? { token } : {}),
  };
}

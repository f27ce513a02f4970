/**
 * Exact checks for the two address-like settings. The schema's patterns only give editors a hint;
 * these decide. Pure functions: `node:net`'s `isIPv6` touches no I/O.
 */
import { isIPv6 } from 'node:net';

export type ListenResult = { ok: true; host: string; port: number } | { ok: false; reason: string };

const HOST_PORT_HELP = 'expected HOST:PORT';

/**
 * Parses `HOST:PORT` where HOST is a dotted IPv4 address, an RFC 1123 hostname or a bracketed IPv6
 * address, and PORT is a decimal 0-65535. The host is returned without brackets, as
 * `server.listen(port, host)` wants it. An empty host (Go's `:4041`) is refused with the fix: the
 * API is unauthenticated and clicks controls, so exposing it on every interface must be written out.
 */
export function parseListen(text: string): ListenResult {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { ok: false, reason: HOST_PORT_HELP };
  const hostPart = text.slice(0, colon);
  const portPart = text.slice(colon + 1);
  if (!/^[0-9]{1,5}$/.test(portPart)) return { ok: false, reason: HOST_PORT_HELP };
  const port = Number(portPart);
  if (port > 65535) return { ok: false, reason: 'port must be 0-65535' };
  if (hostPart === '') {
    return { ok: false, reason: `no host; write 127.0.0.1:${port} for this machine only, or 0.0.0.0:${port} for every interface` };
  }

  if (hostPart.startsWith('[')) {
    const inner = hostPart.endsWith(']') ? hostPart.slice(1, -1) : '';
    if (!isIPv6(inner)) return { ok: false, reason: 'bad IPv6 address, expected [IPv6]:PORT' };
    return { ok: true, host: inner, port };
  }
  // Unbracketed colons: an IPv6 address without brackets, or garbage.
  if (hostPart.includes(':')) return { ok: false, reason: 'write an IPv6 address as [IPv6]:PORT' };
  if (/^[0-9.]+$/.test(hostPart)) {
    return isIPv4(hostPart) ? { ok: true, host: hostPart, port } : { ok: false, reason: 'bad IPv4 address' };
  }
  return isHostname(hostPart) ? { ok: true, host: hostPart, port } : { ok: false, reason: 'bad hostname' };
}

/** Four dotted decimal octets 0-255, no leading zeros (which some resolvers read as octal). */
export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

/** RFC 1123: dot-separated labels of letters, digits and inner hyphens, 1-63 chars, 253 in all. */
export function isHostname(text: string): boolean {
  if (text.length === 0 || text.length > 253) return false;
  const labels = text.endsWith('.') ? text.slice(0, -1).split('.') : text.split('.');
  return labels.every((l) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
}

/** An absolute http: or https: URL with a host, as a publish target's base URL. */
export function isHttpUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

/** How a listen address is printed back: `host:port`, IPv6 in brackets. */
export function formatListen(listen: { host: string; port: number }): string {
  return listen.host.includes(':') ? `[${listen.host}]:${listen.port}` : `${listen.host}:${listen.port}`;
}

/**
 * How long a unix socket path may be. The kernel's `sockaddr_un.sun_path` holds 108 bytes on Linux,
 * and Go (upstream's language for plugins and the probe) refuses a path that fills it, leaving no
 * room for the terminating NUL, with EINVAL: 107 bytes of UTF-8 at most. Node instead cuts a longer
 * path to its first 108 bytes without a word, so such a path would reach whatever socket sits at
 * the cut-off prefix; it must never be dialled (docs/writing-plugins.md#socket-paths).
 */
export const MAX_SOCKET_PATH_BYTES = 107;

/** Length of `path` in bytes as the kernel sees it (UTF-8), not in characters. */
export function socketPathBytes(path: string): number {
  return Buffer.byteLength(path, 'utf8');
}

export function socketPathFits(path: string): boolean {
  return socketPathBytes(path) <= MAX_SOCKET_PATH_BYTES;
}

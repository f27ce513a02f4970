import { basename, extname } from 'node:path';

/**
 * Plugin IDs (docs/spec/plugin-protocol.md#plugin-ids): the socket's basename minus its last
 * extension. The ID names the plugin in the merged report and prefixes its control IDs
 * (`<id>~<control>`), which is why the alphabet is so narrow: no `~`, no dots, no `_`, single
 * hyphens only between alphanumeric runs.
 */
const VALID_ID = /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/;

/** `my-plugin.sock` → `my-plugin`, `x` → `x`, `a.b.sock` → `a.b`, `.hidden.sock` → `.hidden`. */
export function pluginIdFromPath(socketPath: string): string {
  const base = basename(socketPath);
  // Upstream trims Go's filepath.Ext; Node's extname differs only for a dot-leading name with no
  // other dot (`.sock`: Go gives ID "", Node ".sock"), and both of those IDs are invalid anyway.
  return base.slice(0, base.length - extname(base).length);
}

export function isValidPluginId(id: string): boolean {
  return VALID_ID.test(id);
}

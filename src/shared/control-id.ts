/**
 * The rules for control IDs: `<pluginID>~<controlID>` in the host's own report and API
 * (docs/writing-plugins.md#4-controls), with this host's `<probeID>~` in front in what it
 * publishes to Scope apps. A plugin declares `<controlID>`; the host prefixes it when it rewrites
 * the plugin's report and strips the prefixes again before forwarding a click.
 */

const SEPARATOR = '~';

export interface ControlAddress {
  readonly pluginId: string;
  /** The plugin's own control id, as declared in its report. */
  readonly controlId: string;
}

/** The ID the app shows and clicks for a plugin's control. */
export function appControlId(pluginId: string, controlId: string): string {
  return `${pluginId}${SEPARATOR}${controlId}`;
}

/** Splits at the first `~` (plugin IDs never contain one); null when there is none or a side is empty. */
export function parseAppControlId(id: string): ControlAddress | null {
  const at = id.indexOf(SEPARATOR);
  if (at <= 0 || at === id.length - 1) return null;
  return { pluginId: id.slice(0, at), controlId: id.slice(at + 1) };
}

/**
 * The ID a Scope app shows for a plugin control that this host publishes:
 * `<probeID>~<pluginID>~<controlID>`, unique per host, so two hosts with the same plugin never
 * share one (docs/spec/app-protocol.md#routing-a-click-to-this-host).
 */
export function publishedControlId(probeId: string, appControlId: string): string {
  return `${probeId}${SEPARATOR}${appControlId}`;
}

/** `<pluginID>~<controlID>` from an ID published under `probeId`; null when it is not one. */
export function unpublishControlId(probeId: string, id: string): string | null {
  const prefix = `${probeId}${SEPARATOR}`;
  return id.startsWith(prefix) && id.length > prefix.length ? id.slice(prefix.length) : null;
}

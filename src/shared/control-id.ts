/**
 * The one rule for control IDs as the Scope app sees them: `<pluginID>~<controlID>`
 * (docs/writing-plugins.md#4-controls). A plugin declares `<controlID>`; the host prefixes it when
 * it rewrites the plugin's report and strips the prefix again before forwarding a click.
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

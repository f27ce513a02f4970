/**
 * The body of a control click, `{AppID, NodeID, Control, ControlArgs}`: what a Scope app sends
 * (over HTTP or its control websocket) and what a controller plugin receives on `POST /control`
 * (docs/writing-plugins.md#4-controls). One reader for both ends, so they agree on what is valid:
 * `Control` a non-empty string, `NodeID` a string (the app always names the clicked node), `AppID`
 * a string or absent (""), `ControlArgs` an object of strings, or null/absent.
 */

export interface ControlBody {
  readonly AppID: string;
  readonly NodeID: string;
  readonly Control: string;
  readonly ControlArgs: Readonly<Record<string, string>> | null;
}

/** Validates an already JSON-decoded body; the error is a sentence meant for the sender. */
export function readControlBody(value: unknown): { ok: true; body: ControlBody } | { ok: false; error: string } {
  const bad = (error: string) => ({ ok: false as const, error });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return bad('request body must be a JSON object');
  const v = value as Record<string, unknown>;
  if (typeof v['Control'] !== 'string' || v['Control'] === '') return bad('"Control" must be a non-empty string');
  if (typeof v['NodeID'] !== 'string') return bad('"NodeID" must be a string');
  if (v['AppID'] !== undefined && typeof v['AppID'] !== 'string') return bad('"AppID" must be a string');
  const args = v['ControlArgs'];
  if (args !== undefined && args !== null) {
    if (typeof args !== 'object' || Array.isArray(args) || Object.values(args).some((a) => typeof a !== 'string')) {
      return bad('"ControlArgs" must be an object of strings or null');
    }
  }
  return {
    ok: true,
    body: {
      AppID: (v['AppID'] as string | undefined) ?? '',
      NodeID: v['NodeID'],
      Control: v['Control'],
      ControlArgs: (args as Record<string, string> | null | undefined) ?? null,
    },
  };
}

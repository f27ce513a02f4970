/**
 * Go `net/rpc` over a websocket as a Scope app speaks it on `/api/control/ws`
 * (docs/spec/app-protocol.md#framing): every rpc header and every rpc body is its own text
 * message holding `{"Request", "Response", "Value"}`; a call is a header message then a body
 * message, and so is its answer. The app is the rpc client, we are the server.
 * Pure: no sockets, so the framing rules are tested exactly.
 */

/** One call read off the socket: its sequence number and method, and the decoded body. */
export interface RpcCall {
  readonly seq: number;
  readonly serviceMethod: string;
  readonly body: unknown;
}

export class RpcFramingError extends Error {}

/**
 * Reads calls from the app's messages in order. A body without a header, a header without a
 * `Request`, or a message that is not a JSON object is a framing error: the connection must be
 * dropped, as Go's codec does.
 */
export class RpcCallReader {
  #header: { seq: number; serviceMethod: string } | null = null;

  /** Feeds one message; returns the call once its body arrived, null after a header. */
  push(text: string): RpcCall | null {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      throw new RpcFramingError('control message is not JSON');
    }
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      throw new RpcFramingError('control message is not a JSON object');
    }
    const m = message as Record<string, unknown>;
    if (this.#header === null) {
      const request = m['Request'];
      if (request === null || typeof request !== 'object') throw new RpcFramingError('expected an rpc request header');
      const r = request as Record<string, unknown>;
      if (typeof r['Seq'] !== 'number' || !Number.isSafeInteger(r['Seq']) || typeof r['ServiceMethod'] !== 'string') {
        throw new RpcFramingError('rpc request header needs a numeric "Seq" and a "ServiceMethod"');
      }
      this.#header = { seq: r['Seq'], serviceMethod: r['ServiceMethod'] };
      return null;
    }
    const header = this.#header;
    this.#header = null;
    return { ...header, body: m['Value'] ?? null };
  }
}

/**
 * The two messages answering call `seq`: the rpc response header (a non-empty `error` is an rpc
 * failure, which the app answers with HTTP 400 and that text) and the body.
 */
export function rpcResponse(seq: number, serviceMethod: string, error: string, body: unknown): [string, string] {
  return [
    JSON.stringify({ Request: null, Response: { ServiceMethod: serviceMethod, Seq: seq, Error: error }, Value: null }),
    // Go's server sends an empty struct as the body of a failed call.
    JSON.stringify({ Request: null, Response: null, Value: error === '' ? body : {} }),
  ];
}

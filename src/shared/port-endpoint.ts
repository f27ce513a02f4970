/**
 * A comlink endpoint over a Node MessagePort that listens with `on('message')`. Comlink's default,
 * the port's `addEventListener`, makes Node wrap each message in a DOM MessageEvent, whose class
 * lives in Node's bundled fetch stack: the first message then loads undici, http, tls and http2
 * into the thread for one event class (docs/decisions/069-fixed-cost-of-a-thread.md).
 */
import type { Endpoint } from 'comlink';
import type { MessagePort, TransferListItem } from 'node:worker_threads';

interface MessageLike {
  readonly data: unknown;
}
/** Comlink's listener type, spelled without the DOM library this project does not load. */
type Listener = ((event: MessageLike) => void) | { handleEvent(event: MessageLike): void };

export function portEndpoint(port: MessagePort): Endpoint {
  const handlers = new Map<Listener, (data: unknown) => void>();
  const endpoint = {
    postMessage: (message: unknown, transfer?: readonly TransferListItem[]) => port.postMessage(message, transfer),
    addEventListener: (_type: string, listener: Listener) => {
      const handler = (data: unknown): void => {
        if (typeof listener === 'function') listener({ data });
        else listener.handleEvent({ data });
      };
      handlers.set(listener, handler);
      port.on('message', handler);
    },
    removeEventListener: (_type: string, listener: Listener) => {
      const handler = handlers.get(listener);
      if (!handler) return;
      port.off('message', handler);
      handlers.delete(listener);
    },
  };
  return endpoint as unknown as Endpoint;
}

/**
 * What may be listed in a transfer list (postMessage, piscina, comlink) on every supported Node
 * release. Node marks the ArrayBuffers of its Buffer pool untransferable; a Buffer of a few KB
 * (Buffer.from(string), Buffer.concat, zlib's sync output) is often a slice of that pool, and
 * which sizes are pooled changes between releases. Node 20 clones such a buffer instead of moving
 * it; Node 21 and later refuse the whole message with DataCloneError. So a buffer is moved only
 * when it owns its memory, and anything else is copied first (docs/decisions/010-node-releases.md).
 */
import * as workerThreads from 'node:worker_threads';

type UntransferableCheck = (value: object) => boolean;
// Node 21+; on 20 a marked buffer in a transfer list is cloned, never refused, so "no" is safe.
const isMarkedAsUntransferable: UntransferableCheck =
  (workerThreads as { isMarkedAsUntransferable?: UntransferableCheck }).isMarkedAsUntransferable ?? (() => false);

/**
 * Whether `view`'s memory can be moved to another thread: it spans its whole (non-shared)
 * ArrayBuffer, so moving takes nothing else along, and Node has not marked that buffer.
 */
export function canMove(view: ArrayBufferView): boolean {
  const buffer = view.buffer;
  return buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === buffer.byteLength && !isMarkedAsUntransferable(buffer);
}

/** `bytes` itself when its memory can be moved, else a copy that owns its memory. */
export function movable(bytes: Uint8Array): Uint8Array {
  return canMove(bytes) ? bytes : new Uint8Array(bytes);
}

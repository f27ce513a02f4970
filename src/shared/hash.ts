/**
 * FNV-1a, 32 bit: cheap and stable across processes and restarts. Used to spread plugins over
 * the poll interval (a per-plugin offset: `hash(path) % slots`).
 */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * `fnv1a` followed by murmur3's 32-bit finalizer (fmix32), for bucketing with `% n`.
 *
 * Why: FNV-1a's low bits are weak. Multiplying by an odd prime keeps bit 0, so `fnv1a(s) & 1` is
 * just the parity of the odd character codes in `s`; in the usual `<id>/<id>.sock` layout every
 * character of the id occurs twice and cancels out, so `fnv1a(path) % 2` (and `% 4`) put every
 * plugin on the same shard worker (found by test/service/hostile-plugins.test.ts). The finalizer mixes
 * every input bit into every output bit.
 */
export function spreadHash(text: string): number {
  let h = fnv1a(text);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * FNV-1a, 32 bit: cheap and stable across processes and restarts. Used to spread plugins over
 * shard workers (`hash(path) % workers`) and over the poll interval (a per-plugin offset).
 */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

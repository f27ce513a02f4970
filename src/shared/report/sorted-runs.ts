/**
 * The one merge of two sorted runs behind `unionSets` and a metric's samples. An element that
 * compares equal on both sides is kept once: the one `tieBreak` prefers (`>= 0`: the one from
 * `a`); a tie of 0 means the two are the same value. When the result equals one input, that
 * input itself is returned, so a merge that changes nothing keeps identities and allocates nothing
 * (the maps around it then keep theirs too, see merge-maps.ts).
 */
export function mergeSortedRuns<T>(
  a: readonly T[],
  b: readonly T[],
  compare: (x: T, y: T) => number,
  tieBreak: (x: T, y: T) => number = () => 0,
): readonly T[] {
  if (a === b || b.length === 0) return a;
  if (a.length === 0) return b;
  const out: T[] = [];
  let i = 0;
  let j = 0;
  let aHasAll = true;
  let bHasAll = true;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const c = compare(x, y);
    if (c < 0) {
      out.push(x);
      i++;
      bHasAll = false;
    } else if (c > 0) {
      out.push(y);
      j++;
      aHasAll = false;
    } else {
      const t = tieBreak(x, y);
      if (t >= 0) {
        out.push(x);
        if (t !== 0) bHasAll = false;
      } else {
        out.push(y);
        aHasAll = false;
      }
      i++;
      j++;
    }
  }
  if (i < a.length) bHasAll = false;
  if (j < b.length) aHasAll = false;
  if (aHasAll) return a;
  if (bHasAll) return b;
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

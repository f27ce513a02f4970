/**
 * "Did you mean …?" for misspelt keys and flags: the closest candidate by edit distance, if it is
 * close enough to be a plausible typo (at most a third of the longer name, and at least 1 edit).
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // A pure prefix/suffix omission such as "pollInterval" → "pollIntervalMs" is a typical slip even
  // when it exceeds the ratio, so accept a candidate that contains the word whole.
  if (best === undefined) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(word.length, best.length) / 3));
  if (bestDistance <= limit) return best;
  const containing = candidates.find((c) => word.length >= 4 && c.toLowerCase().includes(word.toLowerCase()));
  return containing;
}

/** Levenshtein distance, two rows. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

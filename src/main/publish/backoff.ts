/**
 * Delay before retry number `failures` (1 = first retry): exponential from `initialMs`, doubling,
 * capped at `maxMs` (upstream: 1 s → 60 s, `probe/appclient/app_client.go`), with jitter.
 *
 * The jitter takes up to a quarter off the exponential step but never goes below `initialMs`,
 * so every delay lies in [initialMs, maxMs]. Without it, every probe host that lost the same app
 * would retry in lock-step once they all reach the cap — the moment the app comes back.
 */
export function backoffDelay(failures: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30)); // 2^30 × anything sane is past any cap
  const step = Math.min(maxMs, initialMs * 2 ** exponent);
  const jittered = step * (0.75 + 0.25 * random());
  return Math.round(Math.min(maxMs, Math.max(initialMs, jittered)));
}

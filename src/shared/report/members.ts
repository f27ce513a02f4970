/**
 * Report identity and the `Window`/`Sampling` sums (docs/spec/report-format.md#report-fields).
 *
 * Upstream sums `Window` and `Sampling` on every merge, so merging the same report twice doubles
 * them (the one rule of upstream's merge that is not idempotent). Here every report carries a small
 * table of its *members* — leaf report ID → that report's own Window/Sampling — and a merge takes
 * the union of the tables; the published sums are sums over distinct members. Merging a report
 * again, or a merge that already contains it, adds nothing.
 *
 * IDs:
 * - A decoded report keeps the wire `ID` when it is non-empty (upstream probes send random ones);
 *   otherwise (plugins normally send none) its ID is derived from the exact input text: the first
 *   63 bits of its SHA-1, in decimal like upstream's random int63. Decoding is thus a pure function
 *   and the same poll decoded twice is recognised as the same member.
 * - A merged report's ID is its single member's ID, or for several members the first 63 bits of
 *   the SHA-1 of their sorted IDs (upstream's app uses murmur3 over member IDs; any deterministic
 *   function of the member set is as good, since the app replaces it).
 * - `emptyReport()` has no members and the ID `''`.
 * The sums saturate at the limits of their Go types (`go-numbers.ts`).
 * Two different reports that claim the same wire ID count once; which sums win is decided by value
 * (the larger Window, then Count, then Total), so the result does not depend on merge order.
 */
import { hash } from 'node:crypto';
import { saturateInt64, saturatingUint64Sum } from './go-numbers.js';
import { compareStrings } from './strings.js';
import { MEMBERS, type MemberSums, type Report } from './types.js';

const INT63_MASK = 0x7fff_ffff_ffff_ffffn;

/** Decimal int63 from the first 8 bytes of a SHA-1. */
export function int63Id(data: string | Uint8Array): string {
  return (BigInt('0x' + hash('sha1', data, 'hex').slice(0, 16)) & INT63_MASK).toString();
}

const NO_MEMBERS: ReadonlyMap<string, MemberSums> = new Map();

/** The member table of a report; a report without one (built by hand, cloned) is its own member. */
export function membersOf(report: Report): ReadonlyMap<string, MemberSums> {
  const m = report[MEMBERS];
  if (m !== undefined) return m;
  const windowNs = typeof report.Window === 'bigint' ? report.Window : BigInt(report.Window ?? 0);
  const count = report.Sampling?.Count ?? 0;
  const total = report.Sampling?.Total ?? 0;
  if (report.ID === '' && windowNs === 0n && count === 0 && total === 0) return NO_MEMBERS;
  return new Map([[report.ID, { windowNs, count, total }]]);
}

export function singleMember(id: string, windowNs: bigint, count: number, total: number): ReadonlyMap<string, MemberSums> {
  return new Map([[id, { windowNs, count, total }]]);
}

export function emptyMembers(): ReadonlyMap<string, MemberSums> {
  return NO_MEMBERS;
}

function larger(a: MemberSums, b: MemberSums): MemberSums {
  if (a.windowNs !== b.windowNs) return a.windowNs > b.windowNs ? a : b;
  if (a.count !== b.count) return a.count > b.count ? a : b;
  return a.total >= b.total ? a : b;
}

/** Union of member tables (value-based choice on an ID collision); returns an input when possible. */
export function unionMembers(tables: readonly ReadonlyMap<string, MemberSums>[]): ReadonlyMap<string, MemberSums> {
  let biggest = tables[0]!;
  for (const t of tables) if (t.size > biggest.size) biggest = t;
  let out: Map<string, MemberSums> | undefined;
  for (const t of tables) {
    if (t === biggest) continue;
    for (const [id, sums] of t) {
      const cur = (out ?? biggest).get(id);
      if (cur === sums) continue;
      const win = cur === undefined ? sums : larger(cur, sums);
      if (win === cur) continue;
      out ??= new Map(biggest);
      out.set(id, win);
    }
  }
  return out ?? biggest;
}

export interface Totals {
  readonly ID: string;
  readonly Window: bigint;
  readonly Count: number;
  readonly Total: number;
}

/** ID and sums of a member table. */
export function totalsOf(members: ReadonlyMap<string, MemberSums>): Totals {
  let windowNs = 0n;
  const counts: number[] = [];
  const totals: number[] = [];
  for (const s of members.values()) {
    windowNs += s.windowNs;
    counts.push(s.count);
    totals.push(s.total);
  }
  let id = '';
  if (members.size === 1) id = members.keys().next().value!;
  else if (members.size > 1) id = int63Id(JSON.stringify([...members.keys()].sort(compareStrings)));
  // Go's types (int64 Window, uint64 Sampling): sums saturate, never wrap nor overflow.
  return { ID: id, Window: saturateInt64(windowNs), Count: saturatingUint64Sum(counts), Total: saturatingUint64Sum(totals) };
}

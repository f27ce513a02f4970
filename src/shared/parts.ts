/**
 * Plugin reports on their way to the report builder. One vocabulary: a *part* is one report's
 * UTF-8 JSON (a string or its bytes); `PackedParts` are parts end to end in one transferable
 * buffer, built by a `PartPacker`; a `PartBuffer` is an actor's own growable store of parts.
 *
 * Why bytes and not strings: a shard holds every plugin's last good report until the next poll
 * replaces it. As V8 strings those bodies would live a second, survive scavenges and be promoted,
 * so each shard's old space would fill with dead reports between full GCs; and a snapshot of 1500
 * strings would be structured-cloned twice (shard → main → builder). As bytes, each actor keeps its
 * report in a buffer of its own that the next poll overwrites (no garbage per poll), a snapshot
 * is one memcpy per plugin into a single buffer, and that buffer is *moved* to main and on to
 * the builder thread (transfer, no copy).
 */
import { canMove } from './transfer.js';

/** One report's UTF-8 JSON, as a string or its bytes. */
type Part = string | Uint8Array;

const byteLengthOf = (part: Part): number => (typeof part === 'string' ? Buffer.byteLength(part) : part.byteLength);

/**
 * Parts packed end to end; part i is `bytes[ends[i-1] ?? 0 .. ends[i])`. The parts come in groups,
 * one per plugin (its reports since the last publish): group g is parts `groupEnds[g-1] ?? 0 ..
 * groupEnds[g]`, so the builder can merge a plugin's reports into one before the big merge.
 */
export interface PackedParts {
  readonly bytes: Uint8Array;
  readonly ends: Uint32Array;
  readonly groupEnds: Uint32Array;
}

/** The parts of every PackedParts, group by group (one array per plugin), as views (no copy). */
export function* eachGroup(packs: readonly PackedParts[]): Generator<Uint8Array[]> {
  for (const { bytes, ends, groupEnds } of packs) {
    const views = slices(bytes, ends);
    let part = 0;
    for (const groupEnd of groupEnds) {
      const group: Uint8Array[] = [];
      for (; part < groupEnd; part++) group.push(views.next().value as Uint8Array);
      yield group;
    }
  }
}

/** `bytes` cut at `ends`, as views. */
function* slices<T extends Uint8Array>(bytes: T, ends: Iterable<number>): Generator<T> {
  let start = 0;
  for (const end of ends) {
    yield bytes.subarray(start, end) as T;
    start = end;
  }
}

/**
 * The ArrayBuffers to list in a transferList (each once): those that can be moved. Packs made here
 * own their memory; any other view is cloned with the message instead of refused (transfer.ts).
 */
export function transferablesOf(packs: readonly PackedParts[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const p of packs) {
    for (const view of [p.bytes, p.ends, p.groupEnds]) if (canMove(view)) out.add(view.buffer as ArrayBuffer);
  }
  return [...out];
}

/** Packs parts (strings or bytes) into a fresh, transferable PackedParts, each part a group of its own. */
export function packParts(parts: readonly Part[]): PackedParts {
  return packGroups(parts.map((part) => [part]));
}

/** Packs groups of parts (one per plugin) into a fresh, transferable PackedParts; an empty group is left out. */
export function packGroups(groups: readonly (readonly Part[])[]): PackedParts {
  const packer = new PartPacker();
  for (const group of groups) {
    const bytes = group.reduce((n, part) => n + byteLengthOf(part), 0);
    packer.count(bytes, group.length);
  }
  packer.allocate();
  for (const group of groups) for (const part of group) packer.add(part);
  return packer.done();
}

/**
 * Two-pass builder of one PackedParts: `count` every group's size, `allocate`, `add` its parts in
 * the same order. One allocation of exactly the right size, owned (never a pooled slab), so it can
 * be transferred.
 */
export class PartPacker {
  #total = 0;
  #n = 0;
  /** Each counted group's end, in parts. */
  readonly #groupEnds: number[] = [];
  #bytes: Buffer | null = null;
  #ends: Uint32Array | null = null;
  #offset = 0;
  #i = 0;

  /** One group of `parts` parts, `byteLength` bytes in all (a group of none is left out). */
  count(byteLength: number, parts = 1): void {
    if (parts === 0) return;
    this.#total += byteLength;
    this.#n += parts;
    this.#groupEnds.push(this.#n);
  }

  allocate(): void {
    this.#bytes = Buffer.allocUnsafeSlow(this.#total);
    this.#ends = new Uint32Array(this.#n);
  }

  add(part: Part): void {
    const bytes = this.#bytes!;
    if (typeof part === 'string') this.#offset += bytes.write(part, this.#offset, 'utf8');
    else {
      bytes.set(part, this.#offset);
      this.#offset += part.byteLength;
    }
    this.#ends![this.#i++] = this.#offset;
  }

  done(): PackedParts {
    const bytes = this.#bytes!;
    const ends = this.#ends!;
    if (this.#i !== this.#n || this.#offset !== this.#total) {
      throw new Error(`PartPacker: counted ${this.#n} parts / ${this.#total} bytes, added ${this.#i} / ${this.#offset}`);
    }
    return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), ends, groupEnds: Uint32Array.from(this.#groupEnds) };
  }
}

/** Above this capacity a buffer shrinks back once its contents are a quarter of it or less. */
const SHRINK_ABOVE_BYTES = 64 * 1024;

/**
 * An actor's own growable store of a few parts (its current report plus shortcut reports, or the
 * reports accumulated since the last publish). Reused poll after poll: writing a report of the
 * usual size allocates nothing.
 */
export class PartBuffer {
  #bytes: Buffer = Buffer.alloc(0);
  #ends: number[] = [];

  get count(): number {
    return this.#ends.length;
  }

  get byteLength(): number {
    return this.#ends.length === 0 ? 0 : this.#ends[this.#ends.length - 1]!;
  }

  /** Bytes held, used or not. */
  get capacity(): number {
    return this.#bytes.length;
  }

  clear(): void {
    this.#ends.length = 0;
  }

  /** Replace the contents with one part. */
  set(part: Part): void {
    this.#ends.length = 0;
    this.push(part);
  }

  push(part: Part): void {
    const size = byteLengthOf(part);
    const used = this.byteLength;
    this.#reserve(used + size);
    if (typeof part === 'string') this.#bytes.write(part, used, 'utf8');
    else this.#bytes.set(part, used);
    this.#ends.push(used + size);
  }

  /** Where part `i` starts (the byte length when `i` is the count). */
  offsetOf(i: number): number {
    return i === 0 ? 0 : this.#ends[i - 1]!;
  }

  /** Drops the oldest `n` parts, moving the rest to the front. */
  dropFirst(n: number): void {
    if (n <= 0) return;
    if (n >= this.#ends.length) return this.clear();
    const used = this.byteLength;
    const first = this.#ends[n - 1]!;
    this.#bytes.copyWithin(0, first, used);
    this.#ends.splice(0, n);
    for (let i = 0; i < this.#ends.length; i++) this.#ends[i]! -= first;
  }

  /** Adds this buffer's parts from part `from` on to a packer, as one group (in `count` then `add` passes). */
  countInto(packer: PartPacker, from = 0): void {
    packer.count(this.byteLength - this.offsetOf(from), this.#ends.length - from);
  }

  addInto(packer: PartPacker, from = 0): void {
    let start = this.offsetOf(from);
    for (let i = from; i < this.#ends.length; i++) {
      const end = this.#ends[i]!;
      packer.add(this.#bytes.subarray(start, end));
      start = end;
    }
  }

  /** The parts as views of this buffer: valid until the next write. */
  views(): Buffer[] {
    return Array.from(slices(this.#bytes, this.#ends));
  }

  /** The parts as strings (tests, diagnostics). */
  parts(): string[] {
    return Array.from(slices(this.#bytes, this.#ends), (part) => part.toString('utf8'));
  }

  #reserve(needed: number): void {
    const cap = this.#bytes.length;
    if (needed <= cap && !(cap > SHRINK_ABOVE_BYTES && needed * 4 <= cap)) return;
    // Headroom for reports that grow a little from poll to poll, but no doubling: the buffer is
    // kept between publishes, so it grows only while it first meets the most reports one interval
    // accumulates, and doubling would keep up to twice that for every plugin. An owned allocation
    // (not the Buffer pool): a small buffer never pins an 8 KB slab shared with others.
    const size = Math.max(needed + (needed >> 3), 256);
    const next = Buffer.allocUnsafeSlow(size);
    this.#bytes.copy(next, 0, 0, this.byteLength);
    this.#bytes = next;
  }
}

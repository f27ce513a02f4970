/**
 * An actor's reports in one buffer: the *current* ones (the last good poll and the shortcut
 * reports since, what `GET /api/report` and the detail view show) and the *pending* ones (every
 * good report since the last publish drained them). One buffer because the two overlap: the
 * newest report is both, and two stores would hold and copy it twice.
 *
 * The buffer holds parts [0, count); current is [#currentFrom, count), pending
 * [#pendingFrom, count). Parts older than both are dropped at once, so the buffer holds only what
 * a snapshot may still ask for, and after a drain only the current parts.
 */
import { PartBuffer, type PartPacker } from '../shared/parts.js';

export class ActorReports {
  readonly #parts = new PartBuffer();
  #currentFrom = 0;
  #pendingFrom = 0;

  /** A good poll: it replaces the current parts and joins the pending ones, of which at most `pendingLimit` are kept (0: none). */
  polled(report: string | Uint8Array, pendingLimit: number): void {
    this.#currentFrom = this.#parts.count;
    this.#append(report, pendingLimit);
  }

  /** A shortcut report from a control: it joins the current parts and the pending ones. */
  shortcut(report: string | Uint8Array, pendingLimit: number): void {
    this.#append(report, pendingLimit);
  }

  /** A failed poll: no current parts until the next good one; the pending ones stay for the publish. */
  failed(): void {
    this.#currentFrom = this.#parts.count;
    this.#trim();
  }

  /** Keeps at most `max` pending parts (the limit went down, or publishing stopped: 0). */
  keepPending(max: number): void {
    this.#pendingFrom = Math.max(this.#pendingFrom, this.#parts.count - max);
    this.#trim();
  }

  get currentCount(): number {
    return this.#parts.count - this.#currentFrom;
  }

  get pendingCount(): number {
    return this.#parts.count - this.#pendingFrom;
  }

  /** Bytes of all parts held, current and pending: each report once. */
  get heldBytes(): number {
    return this.#parts.byteLength;
  }

  /** Bytes of the current parts. */
  get currentBytes(): number {
    return this.#parts.byteLength - this.#parts.offsetOf(this.#currentFrom);
  }

  /** The current parts as views of the buffer: valid until the next write. */
  currentViews(): Buffer[] {
    return this.#parts.views().slice(this.#currentFrom);
  }

  /** The pending parts as strings (tests, diagnostics). */
  pendingParts(): string[] {
    return this.#parts.parts().slice(this.#pendingFrom);
  }

  /**
   * A snapshot in two passes over a packer, `count` then `add`, run back to back. `current`: the
   * current parts. `drain`: the pending parts, or the current ones when none are pending; `add`
   * then empties the pending parts.
   */
  countInto(packer: PartPacker, mode: 'current' | 'drain'): void {
    this.#parts.countInto(packer, this.#snapshotFrom(mode));
  }

  addInto(packer: PartPacker, mode: 'current' | 'drain'): void {
    this.#parts.addInto(packer, this.#snapshotFrom(mode));
    if (mode === 'drain') this.keepPending(0);
  }

  #snapshotFrom(mode: 'current' | 'drain'): number {
    return mode === 'drain' && this.pendingCount > 0 ? this.#pendingFrom : this.#currentFrom;
  }

  #append(report: string | Uint8Array, pendingLimit: number): void {
    this.#parts.push(report);
    this.keepPending(pendingLimit);
  }

  /** Drops the parts that are neither current nor pending. */
  #trim(): void {
    const drop = Math.min(this.#currentFrom, this.#pendingFrom);
    if (drop === 0) return;
    this.#parts.dropFirst(drop);
    this.#currentFrom -= drop;
    this.#pendingFrom -= drop;
  }
}

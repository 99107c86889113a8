/**
 * Sample id -> row, as an open-addressing hash table of row numbers in one Int32Array, instead of
 * a Map<string, number>. Opening a 10^6-sample dataset filled a Map of 10^6 freshly sliced id
 * strings (about 1 s and ~60 MB); this table is 8 MB and fills in a few tens of milliseconds. The
 * ids themselves stay in the index's array; a slot holds row + 1 (0 = empty), compared by id.
 */
export class IdRows {
  private slots: Int32Array = new Int32Array(2048);
  /** Each slot's id hash: a probe compares strings only when the hashes match. */
  private hashes: Uint32Array = new Uint32Array(2048);
  private mask = 2047;
  private count = 0;

  /** `ids`: the row -> id array the rows point into (read, never changed here). */
  constructor(private ids: readonly string[]) {}

  get size() {
    return this.count;
  }

  private static hash(s: string): number {
    // FNV-1a over the UTF-16 code units.
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    return h >>> 0;
  }

  get(id: string): number | undefined {
    const slots = this.slots;
    const h = IdRows.hash(id);
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const v = slots[i];
      if (v === 0) return undefined;
      if (this.hashes[i] === h && this.ids[v - 1] === id) return v - 1;
    }
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** Adds `row` for `ids[row]` (the caller has checked that the id is new). */
  add(row: number) {
    if (2 * (this.count + 1) > this.slots.length) this.rehash(this.slots.length * 2);
    this.place(row, IdRows.hash(this.ids[row]));
    this.count++;
  }

  /** Replaces everything with rows 0..n-1 of a new id array. */
  reset(ids: readonly string[]) {
    this.ids = ids;
    let cap = 2048;
    while (cap < 2 * ids.length) cap *= 2;
    const slots = (this.slots = new Int32Array(cap));
    const hashes = (this.hashes = new Uint32Array(cap));
    const mask = (this.mask = cap - 1);
    let count = 0;
    next: for (let r = 0; r < ids.length; r++) {
      const id = ids[r];
      const h = IdRows.hash(id);
      let i = h & mask;
      for (; slots[i] !== 0; i = (i + 1) & mask) if (hashes[i] === h && ids[slots[i] - 1] === id) continue next;
      slots[i] = r + 1;
      hashes[i] = h;
      count++;
    }
    this.count = count;
  }

  /** The table as stored by an index snapshot: slots (row + 1, 0 = empty) and each slot's hash. */
  table(): { slots: Int32Array; hashes: Uint32Array; count: number } {
    return { slots: this.slots, hashes: this.hashes, count: this.count };
  }

  /**
   * Takes a table `table()` gave for exactly these ids (an index snapshot), instead of hashing
   * every id again (~270 ms at 10^6). Returns false, and changes nothing, when the table is not
   * plausibly theirs: a wrong size, or one of up to `checks` rows spread over the ids that does
   * not map back to itself. Then the caller resets.
   */
  adopt(ids: readonly string[], t: { slots: Int32Array; hashes: Uint32Array; count: number }, checks = 1024): boolean {
    const cap = t.slots.length;
    if (cap < 2048 || (cap & (cap - 1)) !== 0 || t.hashes.length !== cap || t.count !== ids.length) return false;
    if (2 * t.count > cap) return false;
    let used = 0;
    for (let i = 0; i < cap; i++) {
      const v = t.slots[i];
      if (v < 0 || v > ids.length) return false;
      if (v !== 0) used++;
    }
    if (used !== t.count) return false;
    const prev = { ids: this.ids, slots: this.slots, hashes: this.hashes, mask: this.mask, count: this.count };
    this.ids = ids;
    this.slots = t.slots;
    this.hashes = t.hashes;
    this.mask = cap - 1;
    this.count = t.count;
    const step = Math.max(1, Math.floor(ids.length / checks));
    for (let r = 0; r < ids.length; r += step) {
      if (this.get(ids[r]) !== r) {
        Object.assign(this, prev);
        return false;
      }
    }
    return true;
  }

  private place(row: number, h: number) {
    const slots = this.slots;
    let i = h & this.mask;
    while (slots[i] !== 0) i = (i + 1) & this.mask;
    slots[i] = row + 1;
    this.hashes[i] = h;
  }

  private rehash(cap: number) {
    const old = this.slots;
    const oldHashes = this.hashes;
    this.slots = new Int32Array(cap);
    this.hashes = new Uint32Array(cap);
    this.mask = cap - 1;
    for (let i = 0; i < old.length; i++) if (old[i] !== 0) this.place(old[i] - 1, oldHashes[i]);
  }
}

/**
 * An immutable map for states that are folded from a log: `with` returns a new
 * map and leaves the old one unchanged, like copying would, but in O(1) when
 * called on the newest version (the only way a sequencer or a replay uses it).
 * Versions share one append-only entry log; a version sees the entries below
 * its length. Setting a key on an older version (a branch, as a simulator or
 * a test may do) copies that version's entries first.
 */
export class LogMap<K, V> implements ReadonlyMap<K, V> {
  private constructor(
    private readonly log: Log<K, V>,
    /** Entries of the log this version sees. */
    private readonly length: number,
    readonly size: number,
  ) {}

  static empty<K, V>(): LogMap<K, V> {
    return new LogMap<K, V>({ keys: [], values: [], positions: new Map() }, 0, 0);
  }

  static of<K, V>(entries: Iterable<readonly [K, V]>): LogMap<K, V> {
    let map = LogMap.empty<K, V>();
    for (const [key, value] of entries) map = map.with(key, value);
    return map;
  }

  with(key: K, value: V): LogMap<K, V> {
    const log = this.length === this.log.keys.length ? this.log : this.copy();
    const added = this.position(key) === -1;
    const positions = log.positions.get(key);
    if (positions === undefined) log.positions.set(key, [log.keys.length]);
    else positions.push(log.keys.length);
    log.keys.push(key);
    log.values.push(value);
    return new LogMap(log, log.keys.length, this.size + (added ? 1 : 0));
  }

  get(key: K): V | undefined {
    const position = this.position(key);
    return position === -1 ? undefined : this.log.values[position];
  }

  has(key: K): boolean {
    return this.position(key) !== -1;
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }

  *entries(): MapIterator<[K, V]> {
    // First appearance order, latest value: the iteration order a Map would have.
    for (let i = 0; i < this.length; i++) {
      const key = this.log.keys[i] as K;
      const positions = this.log.positions.get(key) as number[];
      if (positions[0] !== i) continue;
      yield [key, this.log.values[this.position(key)] as V];
    }
  }

  *keys(): MapIterator<K> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  /** The log position of the key's latest value this version sees, or -1. */
  private position(key: K): number {
    const positions = this.log.positions.get(key);
    if (positions === undefined) return -1;
    for (let i = positions.length - 1; i >= 0; i--) {
      const position = positions[i] as number;
      if (position < this.length) return position;
    }
    return -1;
  }

  private copy(): Log<K, V> {
    const log: Log<K, V> = { keys: [], values: [], positions: new Map() };
    for (const [key, value] of this.entries()) {
      log.positions.set(key, [log.keys.length]);
      log.keys.push(key);
      log.values.push(value);
    }
    return log;
  }
}

interface Log<K, V> {
  readonly keys: K[];
  readonly values: V[];
  readonly positions: Map<K, number[]>;
}

/**
 * The simulator's agenda: a binary min-heap of things due at virtual times.
 * Ties on time go by a key the caller draws from its Choices (so which of two
 * simultaneous deliveries happens first is part of the seed), then by
 * insertion order (so a 0 draw keeps the order things were scheduled in).
 */
interface Entry<T> {
  readonly atMs: number;
  readonly tie: number;
  readonly order: number;
  readonly item: T;
}

export class EventQueue<T> {
  private readonly heap: Entry<T>[] = [];
  private inserted = 0;

  get size(): number {
    return this.heap.length;
  }

  push(atMs: number, tie: number, item: T): void {
    const heap = this.heap;
    heap.push({ atMs, tie, order: this.inserted++, item });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  /** The earliest entry, removed; undefined when empty. */
  pop(): { atMs: number; item: T } | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
        if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
        i = smallest;
      }
    }
    return { atMs: top.atMs, item: top.item };
  }
}

function before<T>(x: Entry<T>, y: Entry<T>): boolean {
  if (x.atMs !== y.atMs) return x.atMs < y.atMs;
  if (x.tie !== y.tie) return x.tie < y.tie;
  return x.order < y.order;
}

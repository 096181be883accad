/** Waits `ms` milliseconds, or less if `signal` aborts first (then resolves quietly). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `work` one call at a time: a call asked for while one runs is folded
 * into a single follow-up run. Actors use it to react to "the state changed"
 * without overlapping themselves or queueing one run per event.
 */
export class SerialTrigger {
  private running: Promise<void> | null = null;
  private scheduled = false;
  private again = false;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  fire(): void {
    if (this.running !== null) {
      this.again = true;
      return;
    }
    if (this.scheduled) return;
    // On the next turn of the event loop, so a batch of events delivered together is folded before acting on it.
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.running = this.loop().finally(() => {
        this.running = null;
      });
    });
  }

  /** Resolves when no run is scheduled or in progress. */
  async idle(): Promise<void> {
    while (this.scheduled || this.running !== null) {
      if (this.running !== null) await this.running;
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.work();
      } catch (error) {
        this.onError(error);
      }
    } while (this.again);
  }
}

import type { Pool } from 'pg';
import { readRecordSet, sleep, type BackendSchema, type RecordSet } from '@plan-fabric/actors';

export interface MonitorSample {
  readonly atMs: number;
  /** What the backend served; null when it had no row at all. */
  readonly recordSet: RecordSet | null;
  readonly empty: boolean;
}

export interface MonitorResult {
  /** Time the endpoint had an empty record set (or none) after its first plan went live. */
  readonly emptyMs: number;
  /** Separate stretches of emptiness. */
  readonly emptySpells: number;
  readonly samples: number;
  readonly firstLiveAtMs: number | null;
  /** Generations the backend was seen serving, in the order seen (repeats when it went back). */
  readonly generationsSeen: readonly number[];
  readonly last: MonitorSample | null;
}

/**
 * Samples what a backend serves for the endpoint every `everyMs`, the way a
 * resolver would see it, and adds up the time it served nothing once it had
 * served something. `onChange` hears each change of generation or emptiness.
 */
export class RecordSetMonitor {
  private readonly stopping = new AbortController();
  private running: Promise<void> | null = null;
  private emptyMs = 0;
  private emptySpells = 0;
  private samples = 0;
  private firstLiveAtMs: number | null = null;
  private readonly generationsSeen: number[] = [];
  private last: MonitorSample | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly schema: BackendSchema,
    private readonly endpointId: string,
    private readonly everyMs: number,
    private readonly onChange: (sample: MonitorSample, previous: MonitorSample | null) => void = () => undefined,
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<MonitorResult> {
    this.stopping.abort();
    await this.running;
    return this.result();
  }

  result(): MonitorResult {
    return {
      emptyMs: this.emptyMs,
      emptySpells: this.emptySpells,
      samples: this.samples,
      firstLiveAtMs: this.firstLiveAtMs,
      generationsSeen: [...this.generationsSeen],
      last: this.last,
    };
  }

  private async loop(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      const recordSet = await readRecordSet(this.pool, this.schema, this.endpointId);
      this.record({ atMs: Date.now(), recordSet, empty: recordSet === null || recordSet.records.length === 0 });
      await sleep(this.everyMs, this.stopping.signal);
    }
  }

  private record(sample: MonitorSample): void {
    const previous = this.last;
    this.samples++;
    if (!sample.empty && this.firstLiveAtMs === null) this.firstLiveAtMs = sample.atMs;
    if (sample.empty && this.firstLiveAtMs !== null && previous !== null) {
      // The time since the previous sample is counted as empty: the conservative reading.
      this.emptyMs += sample.atMs - previous.atMs;
      if (!previous.empty) this.emptySpells++;
    }
    const generation = sample.recordSet?.generation ?? null;
    if (generation !== null && this.generationsSeen[this.generationsSeen.length - 1] !== generation) this.generationsSeen.push(generation);
    if (previous === null || previous.empty !== sample.empty || (previous.recordSet?.generation ?? null) !== generation) {
      this.onChange(sample, previous);
    }
    this.last = sample;
  }
}

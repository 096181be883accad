import type { LatencySummary } from './stats';

/** One throughput measurement. `id` names it for the targets. */
export interface ThroughputRow {
  readonly id: string;
  readonly group: 'kafka' | 'sequencer' | 'postgres' | 'projection' | 'cpu';
  readonly label: string;
  readonly records: number;
  readonly seconds: number;
  /** Records (commands, events, rows) per second of wall time. */
  readonly perSecond: number;
  readonly note?: string;
}

/** The sequencer with N endpoints at once. */
export interface ScaleRow {
  readonly endpoints: number;
  readonly status: 'ok' | 'timeout' | 'skipped';
  readonly workersStarted: number;
  /** From the first worker's start to every endpoint's first commit. */
  readonly startupSeconds: number | null;
  readonly commands: number;
  readonly seconds: number | null;
  readonly perSecond: number | null;
  readonly transactions: number;
  readonly eventsPerTransaction: number | null;
  /** Process RSS / V8 heap used, MiB: before the workers, once all started (idle), and the peak under load. */
  readonly rssMiBBefore: number;
  readonly rssMiBIdle: number | null;
  readonly rssMiBPeak: number | null;
  readonly heapMiBPeak: number | null;
  readonly note?: string;
}

export interface LatencyRow {
  readonly loadPercent: number;
  readonly targetPerSecond: number;
  readonly achievedPerSecond: number;
  readonly commands: number;
  /** Command produced (its scheduled arrival at the producer) → its event readable by a read-committed consumer, ms. */
  readonly toEvent: LatencySummary;
  /** Command produced → its event visible in the Postgres projection (NOTIFY at the projector's commit), ms. */
  readonly toProjection: LatencySummary;
}

export interface RebuildRow {
  readonly events: number;
  readonly seconds: number;
  readonly perSecond: number;
  /** RSS after the rebuild, MiB (the rebuilt state is alive). */
  readonly rssMiB: number;
}

export interface TargetRow {
  readonly id: string;
  readonly description: string;
  readonly value: number | null;
  readonly comparison: '>=' | '<=';
  readonly threshold: number;
  /** null when a number it needs was not measured. */
  readonly met: boolean | null;
  readonly detail: string;
}

export interface BenchMeta {
  readonly mode: 'quick' | 'default';
  readonly command: string;
  readonly startedAt: string;
  readonly wallSeconds: number;
  readonly topicPrefix: string;
  readonly machine: Readonly<Record<string, string>>;
  readonly knobs: Readonly<Record<string, string | number>>;
}

export interface BenchResults {
  readonly meta: BenchMeta;
  readonly throughput: readonly ThroughputRow[];
  readonly scale: readonly ScaleRow[];
  readonly latency: readonly LatencyRow[];
  readonly rebuild: readonly RebuildRow[];
  readonly targets: readonly TargetRow[];
  readonly notes: readonly string[];
}

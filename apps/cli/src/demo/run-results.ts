import type { DnsProbeResult } from './dns-probe';
import type { MonitorResult } from './record-set-monitor';

/** What one run (naive or fabric) did to the endpoint, for the side-by-side table. */
export interface RunResult {
  readonly label: string;
  readonly monitor: MonitorResult;
  readonly staleWritesLanded: number;
  /** Null where nothing could refuse them (no fence). */
  readonly staleWritesRefused: number | null;
  /** Claims the sequencer refused, by reason; null without a sequencer. */
  readonly claimsRefused: Readonly<Record<string, number>> | null;
  readonly unsafeDeletesLanded: number;
  /** Null where nothing could refuse them. */
  readonly unsafeDeletesRefused: number | null;
  readonly unsafeDeletesRefusedByReason: Readonly<Record<string, number>>;
  readonly plansDeleted: number;
  readonly applyFailures: number;
  readonly finalGeneration: number | null;
  readonly finalRecords: number;
  /** The fabric's decided active generation (null for the naive run). */
  readonly decidedGeneration: number | null;
  /** What the run's DNS face answered a client asking every 100 ms; absent or null without a DNS face. */
  readonly dns?: DnsProbeResult | null;
}

/** One invariant check of the fabric run. */
export interface AuditCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

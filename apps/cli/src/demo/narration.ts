import type { ActivityReport } from '@plan-fabric/actors';
import type { DnsProbeSample } from './dns-probe';
import type { MonitorSample } from './record-set-monitor';

/**
 * Progress lines while a run goes: the moments of the race worth watching
 * (stalls, stale writes, unsafe deletes, refusals, what the backend serves),
 * each stamped with the time since the planner started. `verbose` adds every
 * claim, write and outcome.
 */
export class Narrator {
  private startMs: number | null = null;
  private readonly failuresSeen = new Set<string>();
  private dnsLive = false;

  constructor(
    private readonly label: string,
    private readonly write: (line: string) => void,
    private readonly verbose: boolean,
  ) {}

  /** The run's clock starts when the planner is ready (it proposes right away). */
  startClock(atMs: number): void {
    this.startMs ??= atMs;
  }

  activity(report: ActivityReport): void {
    const line = this.describe(report);
    if (line !== null) this.say(report.atMs, line);
  }

  backend(sample: MonitorSample, previous: MonitorSample | null): void {
    if (this.startMs === null && sample.recordSet === null) return;
    const set = sample.recordSet;
    if (set === null) return;
    if (sample.empty) this.say(sample.atMs, `backend serves NOTHING — gen ${set.generation}'s records are gone (endpoint down)`);
    else if (previous?.empty === true && previous.recordSet !== null) this.say(sample.atMs, `backend serves gen ${set.generation} again (${set.records.length} records)`);
    else {
      const back = (previous?.recordSet?.generation ?? 0) > set.generation ? ` — went BACK from gen ${previous?.recordSet?.generation}` : '';
      this.say(sample.atMs, `backend serves gen ${set.generation} (${set.records.length} records, by ${set.writtenBy})${back}`);
    }
  }

  /** What the DNS face answered the probe: each change of kind of answer; with verbose, each change of addresses too. */
  dns(name: string, sample: DnsProbeSample, previous: DnsProbeSample | null): void {
    const sameKind = previous !== null && previous.kind === sample.kind && previous.error === sample.error;
    if (sameKind && !this.verbose) return;
    const asked = `DNS ${name} A →`;
    switch (sample.kind) {
      case 'records':
        this.dnsLive = true;
        this.say(sample.atMs, `${asked} ${sample.addresses.join(', ')} (TTL ${sample.ttl ?? '?'})`);
        break;
      case 'empty':
        this.say(sample.atMs, this.dnsLive ? `${asked} NOERROR, no records: clients of the endpoint resolve NOTHING` : `${asked} NOERROR, no records yet (nothing live)`);
        break;
      case 'nxdomain':
        this.say(sample.atMs, this.dnsLive ? `${asked} NXDOMAIN: clients of the endpoint resolve NOTHING` : `${asked} NXDOMAIN (the endpoint has no plan yet)`);
        break;
      case 'failed':
        this.say(sample.atMs, `${asked} no answer (${sample.error ?? 'error'})`);
        break;
    }
  }

  say(atMs: number, text: string): void {
    const clock = this.startMs === null ? '   …  ' : `${((atMs - this.startMs) / 1000).toFixed(2).padStart(5)}s`;
    this.write(`  [${this.label} ${clock}] ${text}\n`);
  }

  private describe(r: ActivityReport): string | null {
    const who = r.actor;
    switch (r.activity) {
      case 'stall':
        return `${who} stalls ${r['stallMs']} ms between its claim of gen ${r['generation']} and its write`;
      case 'propose':
        return this.verbose ? `${who} proposes gen ${r['generation']}` : null;
      case 'done':
        return `${who} has proposed its ${r['proposals']} plans`;
      case 'claim':
        return this.verbose ? `${who} claims gen ${r['generation']}` : null;
      case 'write':
        if (r['accepted'] === false) {
          return `${who} writes gen ${r['generation']} (activation ${r['activation']}) — REFUSED by the fence: the backend holds activation ${r['heldActivation']}`;
        }
        if (r['stale'] === true) return `${who} writes gen ${r['generation']} over gen ${r['heldGeneration']} — stale write LANDED`;
        return this.verbose ? `${who} writes gen ${r['generation']}` : null;
      case 'apply-failed': {
        const key = `${who}:${r['reason']}`;
        if (this.failuresSeen.has(key) && !this.verbose) return null;
        this.failuresSeen.add(key);
        return `${who} cannot apply gen ${r['generation']}: ${r['reason']} (the backend points at gen ${r['liveGeneration']}) — it will keep failing`;
      }
      case 'delete':
        if (r['wasLive'] === true) {
          return r['what'] === 'records'
            ? `${who} deletes the records of gen ${r['generation']} from the backend — the LIVE record set`
            : `${who} deletes plan ${r['generation']} — the LIVE plan`;
        }
        return this.verbose ? `${who} deletes ${r['what'] === 'records' ? 'the records of gen' : 'plan'} ${r['generation']}` : null;
      case 'outcome':
        // Refused deletes and stale claims are the race being stopped; a stale confirmation is routine under churn.
        if (r['outcome'] === 'rejected' && (r['command'] === 'DeletePlan' || (r['command'] === 'ApplyPlan' && r['reason'] === 'STALE_GENERATION'))) {
          return `${who} ${r['command']} gen ${r['generation']} — refused by the sequencer: ${r['reason']}`;
        }
        return this.verbose ? `${who} ${r['command']} gen ${r['generation']}: ${r['outcome']}${r['reason'] === null ? '' : ` ${r['reason']}`}` : null;
      default:
        return null;
    }
  }
}

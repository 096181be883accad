import { describe, expect, it } from 'vitest';
import { createLogger } from '@plan-fabric/config';
import type { Command } from '@plan-fabric/domain';
import { Enactor } from './enactor';
import { Janitor } from './janitor';
import { Planner } from './planner';
import { recordsForGeneration } from './plan-records';
import { RecordingReporter } from './reporter';
import { sleep } from './timing';
import { InMemoryDnsBackend, InMemoryFabric } from './testing/in-memory-fabric';

const logger = createLogger('actors-spec', 'error');
const ENDPOINT = 'spec-endpoint';

function registered(quorum = 2): InMemoryFabric {
  const fabric = new InMemoryFabric(ENDPOINT);
  void fabric.publish({
    commandId: 'op:register',
    endpointId: ENDPOINT,
    actor: { role: 'operator', id: 'op' },
    type: 'RegisterEndpoint',
    payload: { enactors: ['az1', 'az2', 'az3'], quorum, minValidPlans: 1, maxCapacityDropPercent: 50 },
  });
  return fabric;
}

function propose(fabric: InMemoryFabric, generation: number): Promise<unknown> {
  return fabric.publish({
    commandId: `planner:propose:${generation}`,
    endpointId: ENDPOINT,
    actor: { role: 'planner', id: 'planner' },
    type: 'ProposePlan',
    payload: { generation, records: recordsForGeneration(generation), ttl: 60 },
  });
}

async function until(probe: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await sleep(5);
  }
}

/** A sink that records what an actor sends and forwards it to the fabric. */
function recordingSink(fabric: InMemoryFabric) {
  const sent: Command[] = [];
  return {
    sent,
    publish: (command: Command) => {
      sent.push(command);
      return fabric.publish(command);
    },
  };
}

describe('enactor', () => {
  it('given a proposed plan, claims it, writes it fenced by its activation, then confirms', async () => {
    const fabric = registered(1);
    const backend = new InMemoryDnsBackend();
    const sink = recordingSink(fabric);
    const enactor = new Enactor({ endpointId: ENDPOINT, enactorId: 'az1' }, sink, backend, new RecordingReporter(), logger);
    await fabric.source().start(enactor.onEvent);
    enactor.start();
    await propose(fabric, 1);
    await until(() => fabric.decided.confirmed.get('az1') === 1);
    expect(sink.sent.map((c) => c.commandId)).toEqual(['az1:apply:1', 'az1:confirm:1:1']);
    expect(await backend.read(ENDPOINT)).toMatchObject({ generation: 1, activation: 1, writtenBy: 'az1' });
    await enactor.stop();
  });

  it('given a stall between its claim and its write, its late write is refused by the fence and it then serves the latest decision', async () => {
    const fabric = registered(1);
    const backend = new InMemoryDnsBackend();
    const reporter = new RecordingReporter();
    const slow = new Enactor({ endpointId: ENDPOINT, enactorId: 'az1', stallMs: 150 }, fabric, backend, reporter, logger);
    const fast = new Enactor({ endpointId: ENDPOINT, enactorId: 'az2', claimDelayMs: 20 }, fabric, backend, new RecordingReporter(), logger);
    for (const enactor of [slow, fast]) {
      await fabric.source().start(enactor.onEvent);
      enactor.start();
    }
    await propose(fabric, 1);
    await until(() => slow.stats.stalls === 1);
    for (const generation of [2, 3]) {
      await propose(fabric, generation);
      await until(() => fabric.decided.active?.generation === generation);
    }
    await until(() => slow.stats.writesRefused === 1 && fabric.decided.confirmed.get('az1') === 3);

    expect(fabric.decided.active).toEqual({ generation: 3, activation: 3 });
    expect(reporter.count('write', (f) => f['accepted'] === false && f['activation'] === 1)).toBe(1);
    // The backend never went back: accepted activations only rise.
    const accepted = backend.log.filter((entry) => entry.accepted).map((entry) => entry.write.activation);
    expect(accepted).toEqual([...accepted].sort((a, b) => a - b));
    expect(await backend.read(ENDPOINT)).toMatchObject({ generation: 3, activation: 3 });
    await Promise.all([slow.stop(), fast.stop()]);
  });

  it('retries a backend write that failed, then confirms once', async () => {
    const fabric = registered(1);
    const backend = new InMemoryDnsBackend();
    let failures = 1;
    const flaky = {
      read: backend.read.bind(backend),
      write: (...args: Parameters<InMemoryDnsBackend['write']>) =>
        failures-- > 0 ? Promise.reject(new Error('connection reset')) : backend.write(...args),
    };
    const sink = recordingSink(fabric);
    const enactor = new Enactor({ endpointId: ENDPOINT, enactorId: 'az1' }, sink, flaky, new RecordingReporter(), logger);
    await fabric.source().start(enactor.onEvent);
    enactor.start();
    await propose(fabric, 1);
    await until(() => fabric.decided.confirmed.get('az1') === 1);
    expect(sink.sent.filter((c) => c.type === 'ConfirmApplied')).toHaveLength(1);
    expect(backend.log).toHaveLength(1);
    await enactor.stop();
  });

  it('claims only plans newer than the active one, once each', async () => {
    const fabric = registered(1);
    const sink = recordingSink(fabric);
    const enactor = new Enactor({ endpointId: ENDPOINT, enactorId: 'az3' }, sink, new InMemoryDnsBackend(), new RecordingReporter(), logger);
    await propose(fabric, 1);
    await propose(fabric, 2);
    await fabric.source().start(enactor.onEvent);
    enactor.start();
    await until(() => fabric.decided.confirmed.get('az3') === 2);
    await enactor.idle();
    // Started after two proposals: it acts on the folded state, so it claims the newest only.
    expect(sink.sent.filter((c) => c.type === 'ApplyPlan').map((c) => c.payload)).toEqual([{ generation: 2 }]);
    await enactor.stop();
  });
});

describe('janitor', () => {
  it('deletes plans older than (active − keep), lets the sequencer refuse unsafe ones, and retries under a new command id', async () => {
    const fabric = registered(2);
    const backend = new InMemoryDnsBackend();
    const az1 = new Enactor({ endpointId: ENDPOINT, enactorId: 'az1' }, fabric, backend, new RecordingReporter(), logger);
    await fabric.source().start(az1.onEvent);
    az1.start();
    for (const generation of [1, 2, 3, 4]) {
      await propose(fabric, generation);
      await until(() => fabric.decided.confirmed.get('az1') === generation);
    }
    const sink = recordingSink(fabric);
    const reporter = new RecordingReporter();
    const janitor = new Janitor({ endpointId: ENDPOINT, janitorId: 'janitor', intervalMs: 1_000, keep: 1 }, sink, reporter, logger);
    await fabric.source().start(janitor.onEvent);

    // Only az1 confirmed 4: quorum 2 is not reached, every delete is refused.
    expect(await janitor.sweep()).toEqual([1, 2]);
    await until(() => janitor.stats.deletesRefused['QUORUM_NOT_REACHED'] === 2);
    expect(fabric.decided.plans.get(1)?.deleted).toBe(false);

    const az2 = new Enactor({ endpointId: ENDPOINT, enactorId: 'az2' }, fabric, backend, new RecordingReporter(), logger);
    await fabric.source().start(az2.onEvent);
    az2.start();
    await until(() => fabric.decided.confirmed.get('az2') === 4);

    expect(await janitor.sweep()).toEqual([1, 2]);
    await until(() => janitor.stats.deletesAccepted === 2);
    expect(sink.sent.map((c) => c.commandId)).toEqual(['janitor:delete:1:0', 'janitor:delete:2:0', 'janitor:delete:1:1', 'janitor:delete:2:1']);
    expect(fabric.decided.plans.get(3)?.deleted).toBe(false);
    expect(reporter.count('outcome', (f) => f['unsafe'] === true)).toBe(2);
    expect(await janitor.sweep()).toEqual([]);
    await Promise.all([az1.stop(), az2.stop(), janitor.stop()]);
  });

  it('after a restart, counts its refused attempts from the log and never resends a refused command id', async () => {
    const fabric = registered(2);
    const backend = new InMemoryDnsBackend();
    const az1 = new Enactor({ endpointId: ENDPOINT, enactorId: 'az1' }, fabric, backend, new RecordingReporter(), logger);
    await fabric.source().start(az1.onEvent);
    az1.start();
    for (const generation of [1, 2, 3]) {
      await propose(fabric, generation);
      await until(() => fabric.decided.confirmed.get('az1') === generation);
    }
    const before = new Janitor({ endpointId: ENDPOINT, janitorId: 'janitor', intervalMs: 1_000, keep: 1 }, fabric, new RecordingReporter(), logger);
    await fabric.source().start(before.onEvent);
    expect(await before.sweep()).toEqual([1]);
    await until(() => before.stats.deletesRefused['QUORUM_NOT_REACHED'] === 1);
    await before.stop();

    const az2 = new Enactor({ endpointId: ENDPOINT, enactorId: 'az2' }, fabric, backend, new RecordingReporter(), logger);
    await fabric.source().start(az2.onEvent);
    az2.start();
    await until(() => fabric.decided.confirmed.get('az2') === 3);

    const sink = recordingSink(fabric);
    const after = new Janitor({ endpointId: ENDPOINT, janitorId: 'janitor', intervalMs: 1_000, keep: 1 }, sink, new RecordingReporter(), logger);
    await fabric.source().start(after.onEvent);
    expect(await after.sweep()).toEqual([1]);
    await until(() => after.stats.deletesAccepted === 1);
    expect(sink.sent.map((c) => c.commandId)).toEqual(['janitor:delete:1:1']);
    await Promise.all([az1.stop(), az2.stop(), after.stop()]);
  });
});

describe('janitor with a stale view', () => {
  it('sends the deletes it chose before a stall; the sequencer refuses the one that became the live plan', async () => {
    const fabric = registered(1);
    const az1 = new Enactor({ endpointId: ENDPOINT, enactorId: 'az1' }, fabric, new InMemoryDnsBackend(), new RecordingReporter(), logger);
    await fabric.source().start(az1.onEvent);
    az1.start();
    for (const generation of [1, 2, 3, 4]) {
      await propose(fabric, generation);
      await until(() => fabric.decided.confirmed.get('az1') === generation);
    }
    const janitor = new Janitor({ endpointId: ENDPOINT, janitorId: 'janitor', intervalMs: 1_000, keep: 1, stallMs: 100 }, fabric, new RecordingReporter(), logger);
    await fabric.source().start(janitor.onEvent);
    await sleep(5);
    const sweep = janitor.sweep();
    // While it stalls, an operator rolls back to plan 2.
    await fabric.publish({
      commandId: 'op:rollback',
      endpointId: ENDPOINT,
      actor: { role: 'operator', id: 'op' },
      type: 'OperatorActivate',
      payload: { generation: 2, reason: 'plan 4 is bad' },
    });
    await until(() => fabric.decided.confirmed.get('az1') === 2);
    expect(await sweep).toEqual([1, 2]);
    await until(() => janitor.stats.deletesAccepted + Object.values(janitor.stats.deletesRefused).reduce((a, b) => a + b, 0) === 2);
    expect(janitor.stats.deletesRefused).toEqual({ DELETE_ACTIVE_PLAN: 1 });
    expect(fabric.decided.plans.get(2)?.deleted).toBe(false);
    await Promise.all([az1.stop(), janitor.stop()]);
  });
});

describe('planner', () => {
  it('proposes increasing generations on schedule, up to its count, continuing above what the log already holds', async () => {
    const fabric = registered(1);
    await propose(fabric, 1);
    const reporter = new RecordingReporter();
    const planner = new Planner({ endpointId: ENDPOINT, plannerId: 'p2', intervalMs: 10, count: 3 }, fabric, reporter, logger);
    await fabric.source().start(planner.onEvent);
    await sleep(5);
    planner.start();
    await until(() => reporter.count('done') === 1);
    await until(() => planner.stats.accepted === 3);
    expect(fabric.decided.highestProposed).toBe(4);
    expect(await planner.proposeNow()).toBe(5);
    await planner.stop();
  });
});

describe('the staged race in memory', () => {
  it('keeps the backend serving and never moves it back while one enactor stalls, another races and the janitor cleans up', async () => {
    const fabric = registered(2);
    const backend = new InMemoryDnsBackend();
    const actors = [
      new Enactor({ endpointId: ENDPOINT, enactorId: 'az1', stallMs: 200 }, fabric, backend, new RecordingReporter(), logger),
      new Enactor({ endpointId: ENDPOINT, enactorId: 'az2', claimDelayMs: 3 }, fabric, backend, new RecordingReporter(), logger),
      new Enactor({ endpointId: ENDPOINT, enactorId: 'az3', claimDelayMs: 8, applyMs: 5 }, fabric, backend, new RecordingReporter(), logger),
    ];
    const janitor = new Janitor({ endpointId: ENDPOINT, janitorId: 'janitor', intervalMs: 25, keep: 1 }, fabric, new RecordingReporter(), logger);
    const planner = new Planner({ endpointId: ENDPOINT, plannerId: 'planner', intervalMs: 20, count: 8 }, fabric, new RecordingReporter(), logger);
    for (const actor of [...actors, janitor, planner]) await fabric.source().start(actor.onEvent);
    actors.forEach((actor) => actor.start());
    janitor.start();
    planner.start();
    await until(() => actors[0]!.stats.writesRefused === 1 && fabric.decided.active?.generation === 8, 3_000);
    await until(() => [...fabric.decided.confirmed.values()].every((generation) => generation === 8), 3_000);
    await sleep(100);
    await Promise.all([...actors, janitor, planner].map((actor) => actor.stop()));

    const accepted = backend.log.filter((entry) => entry.accepted);
    expect(accepted.every((entry) => entry.write.records.length > 0)).toBe(true);
    const activations = accepted.map((entry) => entry.write.activation);
    expect(activations).toEqual([...activations].sort((a, b) => a - b));
    expect(await backend.read(ENDPOINT)).toMatchObject({ generation: 8 });
    expect(fabric.decided.plans.get(8)?.deleted).toBe(false);
    expect(fabric.decided.plans.get(1)?.deleted).toBe(true);
  });
});

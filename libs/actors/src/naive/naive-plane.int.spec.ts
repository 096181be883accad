import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig } from '@plan-fabric/config';
import { createPool } from '@plan-fabric/db';
import { readWriteLog } from '../dns-backend';
import { RecordingReporter } from '../reporter';
import { sleep } from '../timing';
import { LIVE_PLAN_MISSING, NaiveEnactor, NaiveJanitor, NaivePlanner } from './naive-actors';
import { ensureNaiveSchema, NaiveStore, readCleanupLog } from './naive-store';

const logger = createLogger('naive-int', 'error');
let pool: Pool;
let store: NaiveStore;

beforeAll(async () => {
  pool = createPool(loadConfig(), logger, { applicationName: 'naive-int' });
  await ensureNaiveSchema(pool);
  store = new NaiveStore(pool);
});
afterAll(async () => {
  await pool.end();
});

describe('the naive control plane (no sequencer, no fence)', () => {
  it('loses the endpoint under the staged timing: a stale write lands, the clean-up deletes the live plan, nobody can apply again', async () => {
    const endpointId = `t-naive-${randomUUID().slice(0, 8)}`;
    const reporter = new RecordingReporter();
    const enactors = [
      new NaiveEnactor({ endpointId, enactorId: 'az1', pollMs: 20, stallMs: 900 }, store, reporter, logger),
      new NaiveEnactor({ endpointId, enactorId: 'az2', pollMs: 20, claimDelayMs: 10 }, store, reporter, logger),
      new NaiveEnactor({ endpointId, enactorId: 'az3', pollMs: 20, claimDelayMs: 40, applyMs: 20, retryMs: 200 }, store, reporter, logger),
    ];
    const janitor = new NaiveJanitor({ endpointId, janitorId: 'janitor', intervalMs: 100, keep: 1 }, store, reporter, logger);
    const planner = new NaivePlanner({ endpointId, plannerId: 'planner', intervalMs: 100, count: 6 }, store, reporter, logger);
    let liveSeen = false;
    let emptyMs = 0;
    const monitor = (async () => {
      const started = Date.now();
      let last = Date.now();
      while (Date.now() - started < 2_500) {
        const live = await store.readLive(endpointId);
        const now = Date.now();
        if (live !== null && live.records.length > 0) liveSeen = true;
        else if (liveSeen) emptyMs += now - last;
        last = now;
        await sleep(10);
      }
    })();
    [...enactors, janitor].forEach((actor) => actor.start());
    planner.start();
    await monitor;
    await Promise.all([...enactors, janitor, planner].map((actor) => actor.stop()));

    const live = await store.readLive(endpointId);
    expect(live?.generation).toBe(1);
    expect(live?.records).toEqual([]);
    expect(await store.planExists(endpointId, 1)).toBe(false);
    expect(emptyMs).toBeGreaterThan(500);
    // az1's stale write landed over a newer plan.
    const stale = (await readWriteLog(pool, 'naive', endpointId)).filter((entry) => entry.heldActivation !== null && entry.heldActivation > entry.generation);
    expect(stale.some((entry) => entry.writtenBy === 'az1' && entry.generation === 1)).toBe(true);
    // The clean-up removed the live record set, and the others could not apply afterwards.
    const cleanup = await readCleanupLog(pool, endpointId);
    expect(cleanup.some((entry) => entry.what === 'records' && entry.generation === 1 && entry.wasLive)).toBe(true);
    expect(reporter.count('apply-failed', (f) => f['reason'] === LIVE_PLAN_MISSING)).toBeGreaterThan(0);
  });
});

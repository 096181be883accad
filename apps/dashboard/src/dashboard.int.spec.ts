import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, type Command, type FabricEvent } from '@plan-fabric/domain';
import { uniqueEndpointId, type EndpointSummary, type Rejections } from '@plan-fabric/db';
import type { ActivateResult, DryRun } from './index';
import type { EndpointDetail } from './projections/projections.service';
import { commandsFor, startLiveStack, type LiveStack } from './testing/live-stack';

const endpointId = uniqueEndpointId('dash');
const quietEndpoint = uniqueEndpointId('dash-quiet');
const c = commandsFor(endpointId);
let stack: LiveStack;

beforeAll(async () => {
  stack = await startLiveStack([endpointId, quietEndpoint], { streamsMax: 1 });
  const steps: Array<Command | string> = [
    c.register(['az-a', 'az-b', 'az-c'], 2),
    c.propose(1),
    c.propose(2),
    c.apply('az-a', 1),
    c.confirm('az-a', 1),
    c.confirm('az-b', 1),
    c.apply('az-b', 2),
    c.confirm('az-a', 2),
    c.remove(1), // QUORUM_NOT_REACHED: 1 of 2 confirmed plan 2
    'not json', // MALFORMED
  ];
  for (const step of steps) await stack.send(endpointId, step);
  await stack.send(quietEndpoint, commandsFor(quietEndpoint).register(['x'], 1));
});

afterAll(async () => {
  await stack?.stop();
});

describe('dashboard API over the projections', () => {
  it('GET /api/endpoints lists the served endpoints with their live generation; GET /api/endpoints/:id has plans, timeline, enactors and decisions', async () => {
    const list = await stack.get<{ endpoints: EndpointSummary[] }>('/api/endpoints');
    expect(list.status).toBe(200);
    // FABRIC_ENDPOINTS (the test's filter) limits what it shows, though the projection holds other runs' endpoints too.
    expect(list.body.endpoints.map((e) => e.endpointId).sort()).toEqual([endpointId, quietEndpoint].sort());
    const summary = list.body.endpoints.find((e) => e.endpointId === endpointId);
    expect(summary).toMatchObject({ activeGeneration: 2, activation: 2, validPlanCount: 2, confirmedActive: 1, quorum: 2, rejectedCount: 2, lastEventSeq: 10 });

    const { status, body } = await stack.get<EndpointDetail>(`/api/endpoints/${endpointId}`);
    expect(status).toBe(200);
    expect(body.endpoint).toMatchObject({ endpointId, activeGeneration: 2, maxLag: 1 });
    expect(body.plans.map((p) => [p.generation, p.status])).toEqual([
      [1, 'fallback'],
      [2, 'active'],
    ]);
    expect(body.enactors.map(({ enactorId, confirmedGeneration, lag }) => ({ enactorId, confirmedGeneration, lag }))).toEqual([
      { enactorId: 'az-a', confirmedGeneration: 2, lag: 0 },
      { enactorId: 'az-b', confirmedGeneration: 1, lag: 1 },
      { enactorId: 'az-c', confirmedGeneration: null, lag: null },
    ]);
    expect(body.activations.map((a) => [a.seq, a.generation, a.activation, a.by.id])).toEqual([
      [4, 1, 1, 'az-a'],
      [7, 2, 2, 'az-b'],
    ]);
    // Plan 1: pending from its proposal (seq 2) to its activation (4), active until plan 2's (7), then fallback until now.
    expect(body.timeline.rows.find((row) => row.generation === 1)?.segments).toEqual([
      { fromSeq: 2, toSeq: 4, status: 'pending' },
      { fromSeq: 4, toSeq: 7, status: 'active' },
      { fromSeq: 7, toSeq: 11, status: 'fallback' },
    ]);
    expect(body.recentDecisions[0]).toMatchObject({ commandOffset: 9, outcome: 'rejected', reason: 'MALFORMED' });
    expect(body.rejectionsByReason).toEqual([
      { reason: 'MALFORMED', count: 1 },
      { reason: 'QUORUM_NOT_REACHED', count: 1 },
    ]);

    expect((await stack.get(`/api/endpoints/t-not-there`)).status).toBe(404);
  });

  it('GET /api/rejections counts rejected commands by reason and lists their details, filtered by endpoint and reason', async () => {
    const all = await stack.get<Rejections>(`/api/rejections?endpoint=${endpointId}`);
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(2);
    expect(all.body.rejections.map((r) => [r.commandOffset, r.reason])).toEqual([
      [9, 'MALFORMED'],
      [8, 'QUORUM_NOT_REACHED'],
    ]);
    const quorum = await stack.get<Rejections>(`/api/rejections?endpoint=${endpointId}&reason=QUORUM_NOT_REACHED`);
    expect(quorum.body.rejections).toEqual([
      {
        endpointId,
        commandOffset: 8,
        seq: 9,
        commandId: 'delete-1-9',
        commandType: 'DeletePlan',
        actor: { role: 'janitor', id: 'janitor-1' },
        outcome: 'rejected',
        reason: 'QUORUM_NOT_REACHED',
        detail: '1 of 2 enactors needed have confirmed the active plan 2',
      },
    ]);
    // Without an endpoint: every endpoint this dashboard serves (only the test's two here).
    const served = await stack.get<Rejections>('/api/rejections');
    expect(served.body.total).toBe(2);
    expect((await stack.get('/api/rejections?reason=NOT_A_REASON')).status).toBe(400);
  });

  it('a dry run answers what the sequencer will decide, appending nothing to any log; the real decision then matches it byte for byte', async () => {
    const before = await stack.topicEnds(endpointId);
    const rowsBefore = await rowCounts();
    const tries: Array<[unknown, string]> = [
      [{ type: 'ConfirmApplied', actor: { role: 'enactor', id: 'az-b' }, payload: { generation: 2 } }, 'PlanConfirmed'],
      [{ type: 'DeletePlan', actor: { role: 'janitor', id: 'janitor-1' }, payload: { generation: 2 } }, 'CommandRejected'],
      [{ type: 'OperatorActivate', actor: { role: 'operator', id: 'op' }, payload: { generation: 1, reason: 'try' } }, 'PlanActivated'],
      ['not json either', 'CommandRejected'],
      [{ commandId: 'delete-1-9', type: 'DeletePlan', actor: { role: 'janitor', id: 'janitor-1' }, payload: { generation: 1 } }, 'CommandDuplicated'],
    ];
    for (const [command, type] of tries) {
      const { status, body } = await stack.post<DryRun>(`/api/endpoints/${endpointId}/dry-run`, { command });
      expect(status).toBe(200);
      expect(body.event.type).toBe(type);
      expect(body.basis).toEqual({ projected: true, lastEventSeq: 10, commandOffset: 10 });
      expect(body.event.seq).toBe(11);
      expect(body.violations).toEqual([]);
    }
    const rejected = await stack.post<DryRun>(`/api/endpoints/${endpointId}/dry-run`, { command: tries[1]?.[0] });
    expect(rejected.body.event).toMatchObject({ type: 'CommandRejected', data: { reason: 'DELETE_ACTIVE_PLAN' } });
    const rollback = await stack.post<DryRun>(`/api/endpoints/${endpointId}/dry-run`, { command: tries[2]?.[0] });
    expect(rollback.body.after).toMatchObject({ activeGeneration: 1, activation: 3 });

    // Long enough for a stray record to reach every log and the projection.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await stack.topicEnds(endpointId)).toEqual(before);
    expect(await rowCounts()).toEqual(rowsBefore);

    // What the sequencer then really decides for the same record is exactly what the dry run said.
    const confirm = { commandId: 'confirm-az-b-2-dry', type: 'ConfirmApplied', actor: { role: 'enactor', id: 'az-b' }, payload: { generation: 2 } };
    const predicted = await stack.post<DryRun>(`/api/endpoints/${endpointId}/dry-run`, { command: confirm });
    const decided = await stack.send(endpointId, predicted.body.record);
    expect(decided.seq).toBe(11);
    const { rows } = await stack.pool.query<{ body: string }>('SELECT body FROM fabric.events WHERE endpoint_id = $1 AND seq = 11', [endpointId]);
    expect(rows[0]?.body).toBe(canonicalJson(predicted.body.event as FabricEvent));

    expect((await stack.post(`/api/endpoints/${endpointId}/dry-run`, {})).status).toBe(400);
    expect((await stack.post(`/api/endpoints/NOT_AN_ID/dry-run`, { command: {} })).status).toBe(404);
  });

  it('POST …/activate publishes OperatorActivate with the reason as the operator and answers with the outcome', async () => {
    const ok = await stack.post<ActivateResult>(
      `/api/endpoints/${endpointId}/activate`,
      { generation: 1, reason: 'plan 2 drops traffic in az-b' },
      { 'x-fabric-operator': 'alice' },
    );
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ endpointId, outcome: 'accepted', reason: null, activeGeneration: 1, seq: 12 });
    const detail = (await stack.get<EndpointDetail>(`/api/endpoints/${endpointId}`)).body;
    expect(detail.activations.at(-1)).toMatchObject({
      seq: 12,
      generation: 1,
      activation: 3,
      previousGeneration: 2,
      by: { role: 'operator', id: 'alice' },
      reason: 'plan 2 drops traffic in az-b',
    });
    // An operator activation clears every confirmation.
    expect(detail.enactors.map((e) => e.confirmedGeneration)).toEqual([null, null, null]);

    const again = await stack.post<ActivateResult>(`/api/endpoints/${endpointId}/activate`, { generation: 1, reason: 'again' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ outcome: 'rejected', reason: 'ALREADY_ACTIVE' });
    const unknown = await stack.post<ActivateResult>(`/api/endpoints/${endpointId}/activate`, { generation: 99, reason: 'no such plan' });
    expect(unknown.body).toMatchObject({ outcome: 'rejected', reason: 'UNKNOWN_PLAN' });
    const rejected = await stack.get<Rejections>(`/api/rejections?endpoint=${endpointId}&reason=UNKNOWN_PLAN`);
    expect(rejected.body.rejections[0]).toMatchObject({ commandType: 'OperatorActivate', actor: { role: 'operator', id: 'dashboard' } });

    // Bad requests send nothing.
    const ends = await stack.topicEnds(endpointId);
    expect((await stack.post(`/api/endpoints/${endpointId}/activate`, { generation: 1 })).status).toBe(400);
    expect((await stack.post(`/api/endpoints/${endpointId}/activate`, { generation: 'one', reason: 'x' })).status).toBe(400);
    expect((await stack.post(`/api/endpoints/${endpointId}/activate`, { generation: 1, reason: 'x' }, { 'x-fabric-operator': '' })).status).toBe(400);
    expect(await stack.topicEnds(endpointId)).toEqual(ends);
    // An endpoint nobody registered: 404, and no topics are created for it.
    const stranger = uniqueEndpointId('dash-stranger');
    expect((await stack.post(`/api/endpoints/${stranger}/activate`, { generation: 1, reason: 'x' })).status).toBe(404);
    expect((await stack.admin.listTopics()).some((topic) => topic.includes(stranger))).toBe(false);
  });

  it('GET /api/stream pushes a change event when the projection moves, without polling by the client', async () => {
    const controller = new AbortController();
    const response = await fetch(`${stack.dashboard.url}/api/stream`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const until = async (pattern: RegExp) => {
      const deadline = Date.now() + 30_000;
      while (!pattern.test(text)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in the stream: ${text}`);
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended: ${text}`);
        text += value;
      }
    };
    try {
      await until(/event: hello/);
      // streamsMax is 1 here: a second stream is turned away rather than piling up.
      const second = await fetch(`${stack.dashboard.url}/api/stream`);
      expect(second.status).toBe(503);
      expect(((await second.json()) as { message: string }).message).toMatch(/streamsMax/);
      const { seq } = await stack.send(endpointId, c.propose(3));
      await until(new RegExp(`event: change\\n(id: \\d+\\n)?data: .*"endpointId":"${endpointId}","lastEventSeq":${seq}`));
    } finally {
      controller.abort();
    }
  });

  it('the CLI: `fabric dry-run` prints the would-be event, `fabric activate` sends OperatorActivate with the reason', async () => {
    const dry = await cli(['dry-run', endpointId, '-'], JSON.stringify({ type: 'ApplyPlan', actor: { role: 'enactor', id: 'az-c' }, payload: { generation: 3 } }));
    expect(dry.code, dry.stderr).toBe(0);
    const event = JSON.parse(dry.stdout) as FabricEvent;
    // Plan 3 was proposed after the operator's activation, so an enactor may apply it.
    expect(event).toMatchObject({ type: 'PlanActivated', data: { generation: 3, by: { role: 'enactor', id: 'az-c' } } });
    expect(dry.stderr).toMatch(/would be accepted: PlanActivated .* nothing was appended/);

    const ends = await stack.topicEnds(endpointId);
    const activated = await cli(['activate', endpointId, '2', '--reason', 'back to 2 after the fix', '--operator', 'bob']);
    expect(activated.code, activated.stderr).toBe(0);
    expect(activated.stdout).toMatch(new RegExp(`^accepted: generation 2 is live on ${endpointId}`));
    expect((await stack.topicEnds(endpointId)).commands).toBe(ends.commands + 1);
    const detail = (await stack.get<EndpointDetail>(`/api/endpoints/${endpointId}`)).body;
    expect(detail.activations.at(-1)).toMatchObject({ generation: 2, by: { role: 'operator', id: 'bob' }, reason: 'back to 2 after the fix' });

    const refused = await cli(['activate', endpointId, '2', '--reason', 'twice']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^rejected ALREADY_ACTIVE: plan 2 is already active/);
    const noReason = await cli(['activate', endpointId, '2']);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/--reason is required/);
  }, 300_000); // four CLI processes, each compiling the CLI with tsx
});

async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['events', 'decisions', 'plans', 'enactor_progress']) {
    const { rows } = await stack.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM fabric.${table} WHERE endpoint_id = $1`, [endpointId]);
    counts[table] = rows[0]?.n ?? -1;
  }
  return counts;
}

/** Runs the real CLI (`npm run fabric -- …`) against the test's stack (same environment: topic prefix, database). */
function cli(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const root = resolve(__dirname, '../../..');
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(root, 'apps/cli/src/main.ts'), ...args], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

/**
 * Test helper for the dashboard's *.int.spec.ts / *.e2e.spec.ts: the real
 * sequencer and projector in this process, limited to the test's endpoints,
 * the dashboard on a free port, and a publisher to send commands with.
 */
import { resolve } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { createLogger, loadConfig, type FabricConfig, type Logger } from '@plan-fabric/config';
import { canonicalJson, signAsSim, simKeyEntries, type Actor, type Command } from '@plan-fabric/domain';
import { createPool, migrate, outcomeAt, type OutcomeRow } from '@plan-fabric/db';
import { CommandPublisher, createKafka, ensureEndpointTopics, topicNames } from '@plan-fabric/kafka';
import { dashboardSettings, startDashboard, type DashboardSettings, type RunningDashboard } from '../index';

// Applications have no import alias: the real sequencer and projector are loaded from their entry files.
const SEQUENCER_ENTRY = resolve(__dirname, '../../../sequencer/src/index.ts');
const PROJECTOR_ENTRY = resolve(__dirname, '../../../projector/src/index.ts');
type Started = Promise<{ stop(): Promise<void> }>;
type StartSequencer = (config: FabricConfig, logger?: Logger) => Started;
type StartProjector = (config: FabricConfig, logger?: Logger, settings?: Record<string, number>) => Started;

export interface LiveStack {
  readonly config: FabricConfig;
  readonly dashboard: RunningDashboard;
  /** The superuser pool of the test (migrations, checks); the dashboard has its own read-only one. */
  readonly pool: Pool;
  readonly kafka: Kafka;
  readonly admin: Admin;
  /** Publishes a command (or a raw record value) and waits for its projected outcome. */
  send(endpointId: string, command: Command | string): Promise<OutcomeRow & { readonly offset: number }>;
  get<T>(path: string): Promise<{ status: number; body: T }>;
  post<T>(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  /** High watermarks of the endpoint's command, event and dead-letter topics. */
  topicEnds(endpointId: string): Promise<Record<'commands' | 'events' | 'deadLetters', number>>;
  stop(): Promise<void>;
}

export const OUTCOME_WAIT_MS = 60_000;

export async function startLiveStack(endpointIds: readonly string[], settings: Partial<DashboardSettings> = {}): Promise<LiveStack> {
  const base = loadConfig();
  const config: FabricConfig = { ...base, endpointFilter: new RegExp(`^(${endpointIds.join('|')})$`) };
  const quiet = createLogger('dashboard-test', 'error');
  const names = topicNames(config.topicPrefix);
  const pool = createPool(config, quiet, { maxConnections: 3 });
  const kafka = createKafka(config, 'dashboard-test', quiet);
  const admin = kafka.admin();
  const publisher = new CommandPublisher(kafka, config);
  const stops: Array<() => Promise<unknown>> = [() => pool.end(), () => admin.disconnect(), () => publisher.disconnect()];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
  };
  try {
    await migrate(pool, quiet);
    await admin.connect();
    await publisher.connect();
    // Topics first: the services find them on their first scan.
    for (const endpointId of endpointIds) await ensureEndpointTopics(admin, config, endpointId);
    const { startSequencer } = (await import(SEQUENCER_ENTRY)) as { startSequencer: StartSequencer };
    const { startProjector } = (await import(PROJECTOR_ENTRY)) as { startProjector: StartProjector };
    const sequencer = await startSequencer(config, quiet);
    stops.push(() => sequencer.stop());
    const projector = await startProjector(config, quiet, { topicScanIntervalMs: 200, fetchMaxWaitMs: 100, retryInitialMs: 200 });
    stops.push(() => projector.stop());
    const dashboard = await startDashboard(config, dashboardSettings(config, { port: 0, ...settings }), quiet);
    stops.push(() => dashboard.stop());

    const request = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const response = await fetch(`${dashboard.url}${path}`, {
        method,
        headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as T };
    };
    return {
      config,
      dashboard,
      pool,
      kafka,
      admin,
      async send(endpointId, command) {
        const published =
          typeof command === 'string' ? await publisher.publishRaw(endpointId, command) : await publisher.publish(signAsSim(command));
        const deadline = Date.now() + OUTCOME_WAIT_MS;
        for (;;) {
          const outcome = await outcomeAt(pool, endpointId, published.offset);
          if (outcome !== null) return { ...outcome, offset: published.offset };
          if (Date.now() > deadline) {
            throw new Error(`no outcome for ${typeof command === 'string' ? command : canonicalJson(command)} within ${OUTCOME_WAIT_MS} ms`);
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      },
      get: (path) => request('GET', path),
      post: (path, body, headers) => request('POST', path, body, headers),
      async topicEnds(endpointId) {
        const end = async (topic: string) => Number((await admin.fetchTopicOffsets(topic))[0]?.high ?? -1);
        return {
          commands: await end(names.commands(endpointId)),
          events: await end(names.events(endpointId)),
          deadLetters: await end(names.deadLetters(endpointId)),
        };
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Commands of one endpoint, with readable ids: `c.apply('az-a', 2)`. */
export function commandsFor(endpointId: string) {
  let n = 0;
  const id = (what: string) => `${what}-${++n}`;
  const planOf = (generation: number, weight = 10) => ({
    generation,
    records: [
      { address: `192.0.2.${generation % 250}`, weight },
      { address: `198.51.100.${generation % 250}`, weight },
    ],
    ttl: 60,
  });
  return {
    register: (enactors: string[], quorum: number, maxCapacityDropPercent = 50): Command => ({
      commandId: id('register'),
      endpointId,
      actor: { role: 'operator', id: 'op-test' },
      type: 'RegisterEndpoint',
      // The simulation keys of every actor below, registered with the endpoint (the test stack trusts SIM_ROOT).
      payload: {
        enactors,
        quorum,
        minValidPlans: 1,
        maxCapacityDropPercent,
        keys: simKeyEntries([{ role: 'planner', id: 'planner-1' }, { role: 'janitor', id: 'janitor-1' }, ...enactors.map((id): Actor => ({ role: 'enactor', id }))]),
      },
    }),
    propose: (generation: number, weight?: number): Command => ({
      commandId: id(`propose-${generation}`),
      endpointId,
      actor: { role: 'planner', id: 'planner-1' },
      type: 'ProposePlan',
      payload: planOf(generation, weight),
    }),
    apply: (enactor: string, generation: number): Command => ({
      commandId: id(`apply-${enactor}-${generation}`),
      endpointId,
      actor: { role: 'enactor', id: enactor },
      type: 'ApplyPlan',
      payload: { generation },
    }),
    confirm: (enactor: string, generation: number): Command => ({
      commandId: id(`confirm-${enactor}-${generation}`),
      endpointId,
      actor: { role: 'enactor', id: enactor },
      type: 'ConfirmApplied',
      payload: { generation },
    }),
    remove: (generation: number): Command => ({
      commandId: id(`delete-${generation}`),
      endpointId,
      actor: { role: 'janitor', id: 'janitor-1' },
      type: 'DeletePlan',
      payload: { generation },
    }),
  };
}

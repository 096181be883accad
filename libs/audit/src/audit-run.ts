import { randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from '@plan-fabric/config';
import type { Authority } from '@plan-fabric/domain';
import {
  ProjectionWriter,
  createProjectionSchema,
  dropProjectionSchema,
  projectedOffset,
  projectionRows,
} from '@plan-fabric/db';
import type { TopicNames } from '@plan-fabric/kafka';
import {
  checkChain,
  checkReplay,
  checkSequence,
  firstRowDifference,
  stateAt,
  type ChainResult,
  type LogRecord,
  type ReplayResult,
  type RowDifference,
  type SequenceResult,
  type StateAt,
} from './checks';
import { committedOffset, readWholeTopic } from './topic-reader';

/** Where the audit reads: Kafka for the logs, Postgres (null: no projection check) for the live projection. */
export interface AuditContext {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly pool: Pool | null;
  readonly prefix: string;
  readonly names: TopicNames;
  readonly logger: Logger;
  /** The trust roots the sequencer decided with: replay verifies every signature against them. */
  readonly authority: Authority;
}

export interface AuditLimits {
  /** Reading one topic to its end must not take longer. */
  readonly readTimeoutMs: number;
  /** A progress line every this many records, per step (0: none). */
  readonly progressEvery: number;
  /** Event records per rebuild transaction. */
  readonly rebuildBatchRecords: number;
}

export const AUDIT_LIMITS: AuditLimits = { readTimeoutMs: 300_000, progressEvery: 10_000, rebuildBatchRecords: 1_000 };

/** Receives progress lines ("audit ep-1: 10000/52000 command records replayed"). */
export type ProgressLines = (line: string) => void;

/**
 * The sequencer's consumer group of an endpoint (apps/sequencer/src/sequencer.service.ts names it so):
 * its committed offset on the command topic says which records have outcomes.
 */
export function sequencerGroupId(prefix: string, endpointId: string): string {
  return `${prefix}.sequencer.${endpointId}`;
}

/** Every endpoint with a command topic under the prefix, sorted; `filter` (FABRIC_ENDPOINTS) narrows them. */
export async function listEndpoints(admin: Admin, names: TopicNames, filter: RegExp | null): Promise<string[]> {
  const topics = await admin.listTopics();
  return topics
    .map((topic) => names.endpointOfCommands(topic))
    .filter((id): id is string => id !== null && (filter === null || filter.test(id)))
    .sort();
}

export interface EndpointLogs {
  readonly endpointId: string;
  readonly commands: readonly LogRecord[];
  readonly events: readonly LogRecord[];
  /** First offset of the command topic (above 0: records were deleted). */
  readonly commandStart: number;
  /** The sequencer's committed offset on the command topic, read before both logs; null if none. */
  readonly sequencerOffset: number | null;
}

/**
 * Reads an endpoint's logs, read committed, each to its end. Order matters:
 * the sequencer's offset first (it commits events and offset in one
 * transaction, so every outcome below it is then in the event log), then the
 * events, then the commands (so every command an event decides is read).
 */
export async function readEndpointLogs(context: AuditContext, endpointId: string, limits: AuditLimits, progress: ProgressLines): Promise<EndpointLogs> {
  const { kafka, admin, names } = context;
  const commandsTopic = names.commands(endpointId);
  const sequencerOffset = await committedOffset(admin, sequencerGroupId(context.prefix, endpointId), commandsTopic);
  const reader = (what: string) => ({
    groupPrefix: `${context.prefix}.audit.`,
    readTimeoutMs: limits.readTimeoutMs,
    progressEvery: limits.progressEvery,
    onProgress: (read: number, end: number) => progress(`audit ${endpointId}: ${read} ${what} records read (topic end offset ${end})`),
  });
  const events = await readWholeTopic(kafka, admin, names.events(endpointId), reader('event'));
  const commands = await readWholeTopic(kafka, admin, commandsTopic, reader('command'));
  return { endpointId, commands: commands.records, events: events.records, commandStart: commands.start, sequencerOffset };
}

export interface ProjectionCheck {
  readonly ok: boolean;
  /** The live projection's last seq (null: nothing of the endpoint projected) and the seq compared up to. */
  readonly liveSeq: number | null;
  readonly comparedSeq: number;
  readonly difference: RowDifference | null;
  /** The rebuild itself failed (the projector's checks refused the log), or the live rows came from elsewhere. */
  readonly problem: string | null;
  /** Something worth knowing that is not a failure (the projector is behind). */
  readonly note: string | null;
}

/**
 * Invariant 7: rebuilds the projection from the event log into a fresh
 * Postgres schema with the projector's own code (ProjectionWriter), then
 * compares its rows with the live fabric rows. One schema per audit run,
 * dropped by `drop()` unless kept.
 */
export class ProjectionRebuild {
  private constructor(
    private readonly pool: Pool,
    private readonly logger: Logger,
    readonly schema: string,
  ) {}

  static async create(pool: Pool, logger: Logger, schema = `audit_${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`): Promise<ProjectionRebuild> {
    await createProjectionSchema(pool, schema);
    return new ProjectionRebuild(pool, logger, schema);
  }

  async check(endpointId: string, eventsTopic: string, events: readonly LogRecord[], limits: AuditLimits, progress: ProgressLines): Promise<ProjectionCheck> {
    const live = await projectionRows(this.pool, endpointId);
    const liveSeq = live?.endpoint.lastEventSeq ?? null;
    // A live projector may be behind the log: compare the rows it has with a rebuild of the same prefix.
    const upTo = liveSeq === null ? events.length : Math.min(liveSeq, events.length);
    const records = events.slice(0, upTo);
    const writer = new ProjectionWriter(this.pool, this.logger, { schema: this.schema, endpointOfTopic: () => endpointId });
    // Batches no larger than the progress step, so a long rebuild reports as it goes.
    const batch = limits.progressEvery > 0 ? Math.min(limits.rebuildBatchRecords, limits.progressEvery) : limits.rebuildBatchRecords;
    try {
      for (let index = 0; index < records.length; index += batch) {
        await writer.applyBatch(eventsTopic, 0, records.slice(index, index + batch));
        const done = Math.min(index + batch, records.length);
        if (limits.progressEvery > 0 && done < records.length && Math.floor(done / limits.progressEvery) > Math.floor(index / limits.progressEvery)) {
          progress(`audit ${endpointId}: ${done}/${records.length} events rebuilt into ${this.schema}`);
        }
      }
    } catch (error) {
      return { ok: false, liveSeq, comparedSeq: upTo, difference: null, problem: `the rebuild refused the event log: ${(error as Error).message}`, note: null };
    }
    if (live !== null && (await projectedOffset(this.pool, eventsTopic)) === null) {
      return {
        ok: false,
        liveSeq,
        comparedSeq: upTo,
        difference: null,
        problem: `fabric holds rows of '${endpointId}' but fabric.projector_offsets has no row for ${eventsTopic}: they were projected from another topic (another FABRIC_TOPIC_PREFIX?)`,
        note: null,
      };
    }
    const rebuilt = await projectionRows(this.pool, endpointId, this.schema);
    const difference = firstRowDifference(rebuilt, live);
    const note =
      liveSeq !== null && liveSeq < events.length ? `the live projection is at seq ${liveSeq} of ${events.length} (projector behind): compared up to it` : null;
    return { ok: difference === null, liveSeq, comparedSeq: upTo, difference, problem: null, note };
  }

  async drop(): Promise<void> {
    await dropProjectionSchema(this.pool, this.schema);
  }
}

export interface EndpointAudit {
  readonly endpointId: string;
  readonly commandRecords: number;
  readonly eventRecords: number;
  readonly sequencerOffset: number | null;
  readonly replay: ReplayResult;
  readonly chain: ChainResult;
  readonly sequence: SequenceResult;
  /** Null when the projection was not checked (--no-projection). */
  readonly projection: ProjectionCheck | null;
}

export function auditPassed(audit: EndpointAudit): boolean {
  return audit.replay.ok && audit.chain.ok && audit.sequence.ok && (audit.projection?.ok ?? true);
}

/** Runs every check over logs already read; the projection check only with a rebuild. */
export async function auditLogs(
  logs: EndpointLogs,
  authority: Authority,
  eventsTopic: string,
  rebuild: ProjectionRebuild | null,
  limits: AuditLimits,
  progress: ProgressLines,
): Promise<EndpointAudit> {
  const { endpointId } = logs;
  const sink = (step: string, done: number, total: number) => progress(`audit ${endpointId}: ${done}/${total} ${step}`);
  const options = { progressEvery: limits.progressEvery, progress: sink };
  const replay = checkReplay(endpointId, logs.commands, logs.events, logs.sequencerOffset, authority, { ...options, commandLogStart: logs.commandStart });
  const chain = checkChain(logs.events, options);
  const sequence = checkSequence(logs.events);
  const projection = rebuild === null ? null : await rebuild.check(endpointId, eventsTopic, logs.events, limits, progress);
  return {
    endpointId,
    commandRecords: logs.commands.length,
    eventRecords: logs.events.length,
    sequencerOffset: logs.sequencerOffset,
    replay,
    chain,
    sequence,
    projection,
  };
}

/** Reads and audits one endpoint. */
export async function auditEndpoint(
  context: AuditContext,
  endpointId: string,
  rebuild: ProjectionRebuild | null,
  limits: AuditLimits,
  progress: ProgressLines,
): Promise<EndpointAudit> {
  const logs = await readEndpointLogs(context, endpointId, limits, progress);
  return auditLogs(logs, context.authority, context.names.events(endpointId), rebuild, limits, progress);
}

/** Audits endpoints one after another, with one rebuild schema for the run (when a pool is given), dropped at the end unless `keepSchema`. */
export async function auditEndpoints(
  context: AuditContext,
  endpointIds: readonly string[],
  options: { readonly projection: boolean; readonly keepSchema: boolean; readonly limits?: AuditLimits; readonly progress?: ProgressLines },
): Promise<{ readonly audits: EndpointAudit[]; readonly schema: string | null }> {
  const limits = options.limits ?? AUDIT_LIMITS;
  const progress = options.progress ?? (() => undefined);
  if (options.projection && context.pool === null) throw new Error('the projection check needs Postgres (DATABASE_URL)');
  const rebuild = options.projection && context.pool !== null ? await ProjectionRebuild.create(context.pool, context.logger) : null;
  const audits: EndpointAudit[] = [];
  try {
    for (const [index, endpointId] of endpointIds.entries()) {
      if (endpointIds.length > 1) progress(`audit: endpoint ${index + 1}/${endpointIds.length} ${endpointId}`);
      audits.push(await auditEndpoint(context, endpointId, rebuild, limits, progress));
    }
  } finally {
    if (rebuild !== null && !options.keepSchema) await rebuild.drop();
  }
  return { audits, schema: rebuild === null ? null : rebuild.schema };
}

/** An endpoint's state as of an event seq, read from its event log (the chain up to it verified too). */
export async function auditStateAt(context: AuditContext, endpointId: string, seq: number, limits: AuditLimits, progress: ProgressLines): Promise<StateAt> {
  const events = await readWholeTopic(context.kafka, context.admin, context.names.events(endpointId), {
    groupPrefix: `${context.prefix}.audit.`,
    readTimeoutMs: limits.readTimeoutMs,
    progressEvery: limits.progressEvery,
    onProgress: (read, end) => progress(`audit ${endpointId}: ${read} event records read (topic end offset ${end})`),
  });
  return stateAt(endpointId, events.records, seq);
}

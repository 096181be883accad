import { performance } from 'node:perf_hooks';
import { ConfigResourceTypes, Partitioners, type Kafka, type KafkaMessage, type Message, type Producer } from 'kafkajs';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import { canonicalJson, LIMITS, parseEvent, replay, type FabricEvent } from '@plan-fabric/domain';
import { createKafka, ensureEndpointTopics, topicNames } from '@plan-fabric/kafka';
import { readTopic } from '@plan-fabric/testing';
import { outcomeKey } from './decision-checks';
import { MALFORMED } from './expectations';
import { FUZZ_AUTHORITY, FUZZ_ROOT } from './fuzz-keys';
import { realStep, runEpisode, type EpisodeEntry } from './fuzz-runner';
import { CATEGORIES, type Category, type HostileInput } from './hostile-inputs';
import { padToBytes } from './json-text';
import { Prng } from './prng';

/** How the edge run starts the real sequencer in this process (the CLI and tests pass `startSequencer`). */
export type SequencerStarter = (config: FabricConfig, logger: Logger) => Promise<{ stop(): Promise<void> }>;

export const EDGE_DEFAULTS = {
  /** How long every record may take to get its outcome in the events topic. */
  outcomeWaitMs: 120_000,
  /** After all outcomes arrived: how long to wait for any extra event or dead letter (there must be none). */
  settleMs: 3_000,
  /** Records per send; a send is one record batch, which must stay below the broker's record limit. */
  sendRecordsMax: 100,
  sendBytesMax: 256 * 1024,
  /** Kafka's own default record limit (message.max.bytes), when the broker does not say. */
  brokerRecordBytesDefault: 1_048_588,
} as const;

export interface EdgeFuzzOptions {
  readonly config: FabricConfig;
  readonly logger: Logger;
  readonly seed: number;
  /** Hostile records to send (setup records and the size probes come on top). */
  readonly count: number;
  readonly startSequencer: SequencerStarter;
  /** A fresh endpoint (its topics are created); one per run. */
  readonly endpointId: string;
  readonly outcomeWaitMs?: number;
  /**
   * Also send, last, a record of the largest size Kafka accepts. Its dead-letter copy carries headers the
   * record did not, so it cannot fit under the same limit: a sequencer that does not allow for that stalls.
   */
  readonly largestRecordProbe?: boolean;
  /** Keep the endpoint's topics after the run (by default they are deleted: a fuzzed endpoint is no one's state). */
  readonly keepTopics?: boolean;
  readonly onProgress?: (message: string) => void;
}

export interface EdgeViolation {
  readonly offset: number | null;
  readonly category: Category | 'setup' | 'edge';
  readonly label: string;
  readonly check: string;
  readonly message: string;
  readonly value: string | null;
}

export interface EdgeFuzzReport {
  readonly endpointId: string;
  readonly seed: number;
  readonly largestRecordProbe: boolean;
  /** Records in the command log: hostile ones, the setup, the size probes. */
  readonly records: number;
  /** Of those, the episode's own set-up: actor keys, registration, plans. */
  readonly setupRecords: number;
  readonly inputs: number;
  /** The size probes: records between commandBytesMax and Kafka's limit, with the outcome each got from the sequencer. */
  readonly probes: readonly { readonly label: string; readonly bytes: number; readonly outcome: string }[];
  readonly byCategory: Readonly<Partial<Record<Category, number>>>;
  readonly outcomes: Readonly<Record<string, number>>;
  readonly malformed: number;
  readonly deadLetters: number;
  /** The command topic's max.message.bytes: Kafka's own limit on one record batch. */
  readonly brokerRecordBytesMax: number;
  /** The largest record sent and decided. */
  readonly largestRecordBytes: number;
  /** A record above the broker's limit, refused at send (null if it was not refused: a violation). */
  readonly refused: { readonly bytes: number; readonly error: string } | null;
  readonly eventsMatchDecide: boolean;
  readonly replayMatches: boolean;
  readonly sendSeconds: number;
  readonly outcomeSeconds: number;
  readonly wallSeconds: number;
  readonly violations: readonly EdgeViolation[];
}

/**
 * The edge: hostile records through real Kafka to a fresh endpoint with a
 * running sequencer. Every record must get exactly one outcome event, in
 * order (commandOffset 0..n-1 once each, seq contiguous); the events must be
 * the ones the pure decide gives for the same bytes; MALFORMED records must
 * have a dead-letter copy of their exact bytes; replaying the command log as
 * Kafka holds it must reproduce the event log byte for byte. A record above
 * the broker's limit must be refused at send and never reach the log.
 */
export async function runEdgeFuzz(options: EdgeFuzzOptions): Promise<EdgeFuzzReport> {
  const started = performance.now();
  const { config, endpointId } = options;
  const progress = options.onProgress ?? (() => undefined);
  const names = topicNames(config.topicPrefix);
  const topics = { commands: names.commands(endpointId), events: names.events(endpointId), deadLetters: names.deadLetters(endpointId) };
  const kafka = createKafka(config, 'fabric-fuzz', options.logger);
  const admin = kafka.admin();
  const violations: EdgeViolation[] = [];
  const edge = (check: string, message: string, offset: number | null = null, entry?: EpisodeEntry) =>
    violations.push({
      offset,
      category: entry === undefined ? 'edge' : (entry.input?.category ?? 'setup'),
      label: entry?.input?.label ?? (entry === undefined ? 'the run' : 'setup record'),
      check,
      message,
      value: entry?.record.value ?? null,
    });

  await admin.connect();
  let sequencer: { stop(): Promise<void> } | null = null;
  try {
    await ensureEndpointTopics(admin, config, endpointId);
    const brokerRecordBytesMax = await recordLimit(kafka, topics.commands);
    // Below Kafka's limit with room for the dead-letter copy's headers, which the sequencer adds.
    const recordBytesMax = brokerRecordBytesMax - 16 * 1024;

    // The log to send, decided first by the pure decide on the bytes as Kafka will deliver them.
    const entries: EpisodeEntry[] = [];
    const probes = sizeProbes(endpointId, recordBytesMax, options.largestRecordProbe ? largestRecordBytes(brokerRecordBytesMax, endpointId) : null);
    const probeInputs = new Set<HostileInput>(Object.values(probes).filter((probe): probe is HostileInput => probe !== null));
    const { replayProblem } = runEpisode({
      rng: new Prng(options.seed),
      endpointId,
      episode: 0,
      inputs: options.count,
      step: realStep,
      hangMs: 10_000,
      recordBytesMax,
      wire: true,
      probesAt: (position) => [
        ...(position === Math.floor(options.count / 3) ? [probes.justOver] : []),
        ...(position === Math.floor((2 * options.count) / 3) ? [probes.belowKafka] : []),
        ...(position === options.count && probes.largest !== null ? [probes.largest] : []),
      ],
      onEntry: (entry) => {
        entries.push(entry);
        for (const failure of entry.failures) edge(failure.check, failure.message, entry.record.offset, entry);
        return true;
      },
    });
    if (replayProblem !== null) edge('replay', `pure replay: ${replayProblem}`);
    const expected = entries.map((entry) => entry.text);
    const malformedOffsets = new Set(entries.filter((entry) => entry.event !== null && isMalformed(entry.event)).map((entry) => entry.record.offset));
    progress(
      `${entries.length} records to send (${options.count} hostile, ${entries.filter((entry) => entry.input === null).length} setup, ${probeInputs.size} size probes); Kafka's record limit here is ${brokerRecordBytesMax} bytes`,
    );

    // The fuzzer signs with the simulation identities: the sequencer trusts their root (FABRIC_TRUST_ROOTS, as config).
    sequencer = await options.startSequencer({ ...config, trustRoots: [FUZZ_ROOT.publicKey], endpointFilter: new RegExp(`^${endpointId}$`) }, options.logger);
    const sendStarted = performance.now();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    let refused: EdgeFuzzReport['refused'] = null;
    try {
      const refusalAt = Math.floor(entries.length / 2);
      let batch: EpisodeEntry[] = [];
      let batchBytes = 0;
      const flush = async () => {
        if (batch.length === 0) return;
        const offsets = await send(producer, topics.commands, endpointId, batch);
        batch.forEach((entry, i) => {
          if (offsets[i] !== entry.record.offset) edge('offsets', `the record meant for offset ${entry.record.offset} landed at ${offsets[i]}`, entry.record.offset, entry);
        });
        batch = [];
        batchBytes = 0;
      };
      for (const [index, entry] of entries.entries()) {
        if (index === refusalAt) {
          await flush();
          refused = await sendOverLimit(config, topics.commands, endpointId, brokerRecordBytesMax);
          if (refused === null) edge('kafka-limit', `a record of ${brokerRecordBytesMax + 1024} bytes, above the broker's ${brokerRecordBytesMax}, was not refused`);
          progress(`sent ${index} of ${entries.length}; a record of ${brokerRecordBytesMax + 1024} bytes was ${refused === null ? 'ACCEPTED' : 'refused by Kafka'}`);
        }
        const bytes = entry.bytes?.length ?? 0;
        if (batch.length >= EDGE_DEFAULTS.sendRecordsMax || (batch.length > 0 && batchBytes + bytes > EDGE_DEFAULTS.sendBytesMax)) await flush();
        batch.push(entry);
        batchBytes += bytes;
      }
      await flush();
    } finally {
      await producer.disconnect();
    }
    const sendSeconds = (performance.now() - sendStarted) / 1000;
    progress(`sent ${entries.length} records in ${sendSeconds.toFixed(1)} s; waiting for every outcome …`);

    const outcomeStarted = performance.now();
    const arrived = await readTopic(kafka, topics.events, entries.length, options.outcomeWaitMs ?? EDGE_DEFAULTS.outcomeWaitMs);
    if (arrived.length < entries.length) {
      const next = entries[arrived.length];
      edge('stalled', `only ${arrived.length} of ${entries.length} records got an outcome within ${options.outcomeWaitMs ?? EDGE_DEFAULTS.outcomeWaitMs} ms; the first without one is offset ${arrived.length}`, arrived.length, next);
    }
    const outcomeSeconds = (performance.now() - outcomeStarted) / 1000;
    // Everything there is, and nothing more: read one past the expected count of each log.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const [events, commands, deadLetters] = await Promise.all([
      readTopic(kafka, topics.events, entries.length + 1, EDGE_DEFAULTS.settleMs),
      readTopic(kafka, topics.commands, entries.length + 1, EDGE_DEFAULTS.settleMs),
      readTopic(kafka, topics.deadLetters, malformedOffsets.size + 1, EDGE_DEFAULTS.settleMs),
    ]);
    progress(`read ${events.length} events, ${commands.length} command records, ${deadLetters.length} dead letters`);

    if (commands.length !== entries.length) edge('command-log', `the command log holds ${commands.length} records; ${entries.length} were sent`);
    commands.forEach((record, i) => {
      const entry = entries[i];
      if (entry !== undefined && !sameBytes(record.value, entry.bytes)) edge('command-log', `the record at offset ${record.offset} is not the bytes sent`, i, entry);
    });

    // Exactly one outcome per record, in log order, numbered without gaps, each schema-valid.
    const texts = events.map((record) => record.value?.toString('utf8') ?? '');
    if (events.length !== entries.length) edge('one-outcome', `${events.length} events for ${entries.length} command records`);
    const seenOffsets = new Map<number, number>();
    const outcomes: Record<string, number> = {};
    texts.forEach((text, i) => {
      let event: FabricEvent;
      try {
        event = parseEvent(text);
      } catch (error) {
        edge('schema', `event ${i}: ${(error as Error).message}`, i, entries[i]);
        return;
      }
      seenOffsets.set(event.commandOffset, (seenOffsets.get(event.commandOffset) ?? 0) + 1);
      if (event.seq !== i + 1) edge('sequence', `event ${i} has seq ${event.seq}, expected ${i + 1}`, event.commandOffset, entries[i]);
      if (event.commandOffset !== i) edge('order', `event ${i} decides offset ${event.commandOffset}`, event.commandOffset, entries[i]);
      if (canonicalJson(event) !== text) edge('schema', `event ${i} is not in canonical form`, i, entries[i]);
      const entry = entries[i];
      if (entry?.input !== null && entry !== undefined) outcomes[outcomeKey(event)] = (outcomes[outcomeKey(event)] ?? 0) + 1;
    });
    for (let offset = 0; offset < entries.length; offset++) {
      const times = seenOffsets.get(offset) ?? 0;
      if (times !== 1) edge('one-outcome', `command offset ${offset} has ${times} outcomes`, offset, entries[offset]);
    }

    // The sequencer decided what the pure decide decides, byte for byte.
    const differsAt = texts.findIndex((text, i) => text !== expected[i]);
    const eventsMatchDecide = differsAt < 0 && texts.length === expected.length;
    if (differsAt >= 0) edge('decide', `event ${differsAt} differs from the pure decision: ${texts[differsAt]!.slice(0, 300)} vs ${expected[differsAt]?.slice(0, 300)}`, differsAt, entries[differsAt]);

    // Replaying the command log as Kafka holds it reproduces the event log byte for byte.
    let replayMatches = false;
    try {
      const replayed = replay(
        endpointId,
        commands.map((record) => ({ offset: Number(record.offset), value: record.value === null ? null : record.value.toString('utf8') })),
        FUZZ_AUTHORITY,
      ).events.map((event) => canonicalJson(event));
      replayMatches = replayed.length === texts.length && replayed.every((text, i) => text === texts[i]);
      if (!replayMatches) edge('replay', `replaying the ${commands.length} command records does not reproduce the ${texts.length} events byte for byte`);
    } catch (error) {
      edge('replay', `replaying the command log threw: ${(error as Error).message}`);
    }

    // Every MALFORMED record, and only those, has a dead-letter copy of its exact bytes.
    if (deadLetters.length !== malformedOffsets.size) edge('dead-letters', `${deadLetters.length} dead letters for ${malformedOffsets.size} MALFORMED records`);
    const lettered = new Set<number>();
    for (const letter of deadLetters) {
      const offset = Number(header(letter, 'sourceOffset'));
      const entry = entries[offset];
      lettered.add(offset);
      if (!malformedOffsets.has(offset)) edge('dead-letters', `a dead letter for offset ${offset}, which is not MALFORMED`, offset, entry);
      else if (!sameBytes(letter.value, entry?.bytes ?? null)) edge('dead-letters', `the dead letter of offset ${offset} is not the record's bytes`, offset, entry);
      if (header(letter, 'sourceTopic') !== topics.commands || header(letter, 'reason') !== 'MALFORMED') {
        edge('dead-letters', `the dead letter of offset ${offset} names ${header(letter, 'sourceTopic')} / ${header(letter, 'reason')}`, offset, entry);
      }
    }
    for (const offset of malformedOffsets) if (!lettered.has(offset)) edge('dead-letters', `MALFORMED offset ${offset} has no dead letter`, offset, entries[offset]);

    const byCategory: Partial<Record<Category, number>> = {};
    for (const entry of entries) if (entry.input !== null && !probeInputs.has(entry.input)) byCategory[entry.input.category] = (byCategory[entry.input.category] ?? 0) + 1;
    return {
      endpointId,
      seed: options.seed,
      largestRecordProbe: options.largestRecordProbe ?? false,
      records: entries.length,
      setupRecords: entries.filter((entry) => entry.input === null).length,
      inputs: entries.filter((entry) => entry.input !== null && !probeInputs.has(entry.input)).length,
      probes: entries.filter((entry) => entry.input !== null && probeInputs.has(entry.input)).map((entry) => ({ label: entry.input!.label, bytes: entry.bytes?.length ?? 0, outcome: outcomeOfText(texts[entry.record.offset]) })),
      byCategory: Object.fromEntries(CATEGORIES.filter((category) => byCategory[category] !== undefined).map((category) => [category, byCategory[category]])),
      outcomes,
      malformed: malformedOffsets.size,
      deadLetters: deadLetters.length,
      brokerRecordBytesMax,
      largestRecordBytes: Math.max(...entries.map((entry) => entry.bytes?.length ?? 0)),
      refused,
      eventsMatchDecide,
      replayMatches,
      sendSeconds,
      outcomeSeconds,
      wallSeconds: (performance.now() - started) / 1000,
      violations,
    };
  } finally {
    await sequencer?.stop();
    // Sequencers that serve every endpoint would otherwise take this one up (a --largest-record one never ends).
    if (!options.keepTopics) await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
  }
}

function outcomeOfText(text: string | undefined): string {
  if (text === undefined) return 'no outcome';
  try {
    return outcomeKey(parseEvent(text));
  } catch {
    return 'an invalid event';
  }
}

const isMalformed = (event: FabricEvent) => event.type === 'CommandRejected' && event.data.reason === 'MALFORMED';

/** Records between the limits: just over commandBytesMax, below what Kafka takes, and (optionally) the largest it takes. */
function sizeProbes(
  endpointId: string,
  belowKafkaBytes: number,
  largestBytes: number | null,
): { justOver: HostileInput; belowKafka: HostileInput; largest: HostileInput | null } {
  const command = (id: string) =>
    JSON.stringify({ commandId: id, endpointId, actor: { role: 'enactor', id: 'e1' }, type: 'ApplyPlan', payload: { generation: 1 } });
  const probe = (id: string, bytes: number, label: string): HostileInput => ({
    category: 'oversized',
    label: `size probe: ${label}, ${bytes} bytes`,
    value: padToBytes(command(id), bytes),
    expect: MALFORMED,
  });
  return {
    justOver: probe('probe-just-over', LIMITS.commandBytesMax + 1, 'commandBytesMax + 1'),
    belowKafka: probe('probe-below-kafka', belowKafkaBytes, "between commandBytesMax and Kafka's record limit"),
    largest: largestBytes === null ? null : probe('probe-largest', largestBytes, 'the largest record Kafka accepts'),
  };
}

/**
 * The largest value Kafka accepts in a record batch of one record with this key: the batch (61 bytes
 * of header, the record's own framing of about 11 bytes, the key, the value) must fit max.message.bytes.
 */
function largestRecordBytes(brokerRecordBytesMax: number, key: string): number {
  return brokerRecordBytesMax - 72 - Buffer.byteLength(key);
}

/** The topic's max.message.bytes (Kafka's limit on one record batch, so on one record). */
async function recordLimit(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
    });
    const value = Number(described.resources[0]?.configEntries.find((entry) => entry.configName === 'max.message.bytes')?.configValue);
    return Number.isSafeInteger(value) && value > 0 ? value : EDGE_DEFAULTS.brokerRecordBytesDefault;
  } finally {
    await admin.disconnect();
  }
}

/** Sends records in one batch; returns the offset each got. */
async function send(producer: Producer, topic: string, key: string, entries: readonly EpisodeEntry[]): Promise<number[]> {
  const messages: Message[] = entries.map((entry) => ({ key, value: entry.bytes === null ? null : Buffer.from(entry.bytes) }));
  const [metadata] = await producer.send({ topic, acks: -1, messages });
  const base = Number(metadata?.baseOffset ?? Number.NaN);
  return entries.map((_, i) => base + i);
}

/** A record above the broker's limit, from a producer of its own: returns the refusal, or null if Kafka took it. */
async function sendOverLimit(config: FabricConfig, topic: string, key: string, limit: number): Promise<EdgeFuzzReport['refused']> {
  const bytes = limit + 1024;
  // A client of its own whose expected refusal is not logged as an error.
  const producer = createKafka(config, 'fabric-fuzz-limit', SILENT).producer({ allowAutoTopicCreation: false, retry: { retries: 0 }, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key, value: Buffer.alloc(bytes, 0x20) }] });
    return null;
  } catch (error) {
    return { bytes, error: error instanceof Error ? error.message : String(error) };
  } finally {
    await producer.disconnect();
  }
}

const SILENT: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => SILENT };

function header(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

function sameBytes(actual: Buffer | null, expected: Uint8Array | null): boolean {
  if (actual === null || expected === null) return actual === expected;
  return Buffer.compare(actual, Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength)) === 0;
}

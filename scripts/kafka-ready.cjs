#!/usr/bin/env node
// Exits 0 when the Kafka cluster in KAFKA_BROKERS (default 127.0.0.1:9092)
// answers a real metadata request (describeCluster + listTopics), 1 otherwise.
//
// With --coordinators it also waits until the group coordinator serves offsets
// (creating __consumer_offsets on a fresh broker) and the transaction
// coordinator hands out a transactional producer id (creating
// __transaction_state). Worth it for a broker that just started: kafkajs 2.2.4's
// transaction.sendOffsets() does not retry NOT_COORDINATOR /
// COORDINATOR_LOAD_IN_PROGRESS from TxnOffsetCommit (its retry lists use error
// names kafkajs itself never produces), so the first transactional offset
// commit against a still-loading coordinator fails instead of waiting.
//
// Used by scripts/stack.sh; safe to run by hand: `node scripts/kafka-ready.cjs [--coordinators]`.
'use strict';

let kafkajs;
try {
  kafkajs = require('kafkajs');
} catch (err) {
  console.error('kafka-ready: cannot load kafkajs (run `npm install` in the repo root): ' + err.message);
  process.exit(1);
}
const { Kafka, logLevel } = kafkajs;

const brokers = (process.env.KAFKA_BROKERS || '127.0.0.1:9092')
  .split(',')
  .map((b) => b.trim())
  .filter(Boolean);
const timeoutMs = Number(process.env.KAFKA_READY_TIMEOUT_MS || 10000);
const checkCoordinators = process.argv.includes('--coordinators');
const PROBE_ID = 'plan-fabric-kafka-ready';
const RETRIABLE = new Set([
  'GROUP_LOAD_IN_PROGRESS',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR_FOR_GROUP',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// SASL/SCRAM-SHA-512 as the admin principal when KAFKA_CREDENTIALS_FILE (the file stack.sh writes,
// `principal=password` lines) exists; a broker without authentication otherwise. Nothing of it is printed.
function adminSasl() {
  const file = process.env.KAFKA_CREDENTIALS_FILE;
  if (!file || !require('node:fs').existsSync(file)) return undefined;
  const line = require('node:fs')
    .readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('admin='));
  if (line === undefined) throw new Error(`${file} has no admin principal`);
  return { mechanism: 'scram-sha-512', username: 'admin', password: line.slice('admin='.length).trim() };
}
const sasl = adminSasl();

const kafka = new Kafka({
  clientId: 'plan-fabric-kafka-ready',
  brokers,
  ...(sasl && { sasl }),
  connectionTimeout: 3000,
  requestTimeout: 5000,
  retry: { retries: checkCoordinators ? 10 : 0, initialRetryTime: 100, maxRetryTime: 1000 },
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();

// The group coordinator owning PROBE_ID's __consumer_offsets partition answers OffsetFetch.
async function groupCoordinatorReady() {
  for (;;) {
    try {
      await admin.fetchOffsets({ groupId: PROBE_ID });
      return;
    } catch (err) {
      if (!RETRIABLE.has(err && err.type)) throw err;
      await sleep(200);
    }
  }
}

// The transaction coordinator hands out a producer id for a transactional id
// (kafkajs sends the transactional InitProducerId on the first transaction(),
// not on connect()). An empty transaction aborts locally, without EndTxn.
async function transactionCoordinatorReady() {
  const producer = kafka.producer({ transactionalId: PROBE_ID, idempotent: true, maxInFlightRequests: 1 });
  try {
    await producer.connect();
    const txn = await producer.transaction();
    await txn.abort();
  } finally {
    await producer.disconnect().catch(() => {});
  }
}

// Every partition of the coordinators' internal topics has a leader (the probes
// above only reach the one partition that their id hashes to).
async function internalTopicsLed() {
  const led = (t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0);
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: ['__consumer_offsets', '__transaction_state'] });
      if (topics.length === 2 && topics.every(led)) return;
    } catch (err) {
      if (!(err && err.retriable)) throw err;
    }
    await sleep(200);
  }
}

const timer = setTimeout(() => {
  console.error(`kafka-ready: no answer from ${brokers.join(',')} within ${timeoutMs} ms`);
  process.exit(1);
}, timeoutMs);

(async () => {
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    const topics = await admin.listTopics();
    if (checkCoordinators) {
      await groupCoordinatorReady();
      await transactionCoordinatorReady();
      await internalTopicsLed();
    }
    const nodes = cluster.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).join(',');
    console.log(
      `kafka-ready: ok cluster=${cluster.clusterId} brokers=${nodes} controller=${cluster.controller} topics=${topics.length}${checkCoordinators ? ' coordinators=ok' : ''}`,
    );
    clearTimeout(timer);
    await admin.disconnect().catch(() => {});
    process.exit(0);
  } catch (err) {
    console.error(`kafka-ready: ${brokers.join(',')} not ready: ${err && err.message ? err.message : err}`);
    clearTimeout(timer);
    await admin.disconnect().catch(() => {});
    process.exit(1);
  }
})();

#!/usr/bin/env node
// Exits 0 when the Kafka cluster in KAFKA_BROKERS (default 127.0.0.1:9092)
// answers a real metadata request (describeCluster + listTopics), 1 otherwise.
// Used by scripts/stack.sh; safe to run by hand: `node scripts/kafka-ready.cjs`.
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

const kafka = new Kafka({
  clientId: 'plan-fabric-kafka-ready',
  brokers,
  connectionTimeout: 3000,
  requestTimeout: 5000,
  retry: { retries: 0 },
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();

const timer = setTimeout(() => {
  console.error(`kafka-ready: no answer from ${brokers.join(',')} within ${timeoutMs} ms`);
  process.exit(1);
}, timeoutMs);

(async () => {
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    const topics = await admin.listTopics();
    const nodes = cluster.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).join(',');
    console.log(
      `kafka-ready: ok cluster=${cluster.clusterId} brokers=${nodes} controller=${cluster.controller} topics=${topics.length}`,
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

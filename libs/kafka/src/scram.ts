import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { connect } from 'node:net';

/**
 * Creates or changes SCRAM-SHA-512 users of a KRaft cluster by sending
 * AlterUserScramCredentials (API key 51, version 0) straight to a controller
 * listener. kafkajs has no such admin call and the broker classpath of
 * scripts/stack.sh has no kafka-configs tool; the local stack's controller
 * listener is PLAINTEXT on loopback, where the broker itself connects, so its
 * principal (ANONYMOUS) is a super user. Only the salted password crosses the
 * socket (as kafka-configs sends it), never the password itself.
 */
export interface ScramUser {
  readonly name: string;
  readonly password: string;
}

const API_KEY = 51;
const MECHANISM_SCRAM_SHA_512 = 2;
const ITERATIONS = 8192;

export async function upsertScramUsers(controller: string, users: readonly ScramUser[], timeoutMs = 15_000): Promise<void> {
  if (users.length === 0) return;
  const correlationId = 1;
  const upsertions = users.map((user) => {
    const salt = randomBytes(32);
    const salted = pbkdf2Sync(Buffer.from(user.password, 'utf8'), salt, ITERATIONS, 64, 'sha512');
    return Buffer.concat([compactString(user.name), int8(MECHANISM_SCRAM_SHA_512), int32(ITERATIONS), compactBytes(salt), compactBytes(salted), uvarint(0)]);
  });
  const clientId = Buffer.from('plan-fabric-scram', 'utf8');
  const header = Buffer.concat([int16(API_KEY), int16(0), int32(correlationId), int16(clientId.length), clientId, uvarint(0)]);
  const body = Buffer.concat([uvarint(1) /* no deletions */, uvarint(users.length + 1), ...upsertions, uvarint(0)]);
  const response = await roundTrip(controller, Buffer.concat([header, body]), timeoutMs);

  let at = 0;
  const readInt16 = () => {
    const value = response.readInt16BE(at);
    at += 2;
    return value;
  };
  const readUVarint = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = response.readUInt8(at++);
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
    }
  };
  const readCompactString = () => {
    const length = readUVarint() - 1;
    if (length < 0) return null;
    const text = response.toString('utf8', at, at + length);
    at += length;
    return text;
  };
  const skipTags = () => {
    for (let count = readUVarint(); count > 0; count--) {
      readUVarint();
      at += readUVarint();
    }
  };
  if (response.readInt32BE(0) !== correlationId) throw new Error('AlterUserScramCredentials: a response to another request');
  at = 4;
  skipTags();
  at += 4; // throttle time
  const problems: string[] = [];
  for (let count = readUVarint() - 1; count > 0; count--) {
    const name = readCompactString();
    const code = readInt16();
    const message = readCompactString();
    skipTags();
    if (code !== 0) problems.push(`${name ?? '?'}: error ${code}${message === null ? '' : ` (${message})`}`);
  }
  if (problems.length > 0) throw new Error(`the controller at ${controller} refused SCRAM credentials: ${problems.join('; ')}`);
}

function roundTrip(address: string, request: Buffer, timeoutMs: number): Promise<Buffer> {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon);
  const port = Number(address.slice(colon + 1));
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(new Error(`no answer from the controller at ${address} within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => socket.write(Buffer.concat([int32(request.length), request])));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) {
        clearTimeout(timer);
        socket.end();
        resolve(received.subarray(4, 4 + received.readInt32BE(0)));
      }
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      reject(new Error(`the controller at ${address} closed the connection without an answer (does it serve AlterUserScramCredentials?)`));
    });
  });
}

const int8 = (value: number) => Buffer.from([value]);
const int16 = (value: number) => {
  const buffer = Buffer.alloc(2);
  buffer.writeInt16BE(value);
  return buffer;
};
const int32 = (value: number) => {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
};
function uvarint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}
const compactBytes = (bytes: Buffer) => Buffer.concat([uvarint(bytes.length + 1), bytes]);
const compactString = (text: string) => compactBytes(Buffer.from(text, 'utf8'));

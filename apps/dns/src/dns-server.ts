import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import type { Logger } from '@plan-fabric/config';
import { rcodeToText, typeToText } from './dns-wire';
import type { DnsResponder, QueryOutcome, Transport } from './dns-responder';

export interface DnsServerOptions {
  /** Interface to bind, loopback by default. */
  readonly host: string;
  /** UDP (and TCP) port; 0 picks a free one. */
  readonly port: number;
  /** Also serve DNS over TCP on the same port (for answers that do not fit in UDP). */
  readonly tcp: boolean;
  /** Queries being answered at once; more are dropped (the client retries), so a flood cannot queue without bound. */
  readonly maxInFlight: number;
  /** TCP connections at once, and how long an idle one stays open. */
  readonly maxTcpConnections: number;
  readonly tcpIdleMs: number;
}

export const DEFAULT_DNS_SERVER_OPTIONS: DnsServerOptions = {
  host: '127.0.0.1',
  port: 5353,
  tcp: true,
  maxInFlight: 256,
  maxTcpConnections: 64,
  tcpIdleMs: 10_000,
};

const MAX_PENDING_PER_CONNECTION = 32;
const FAILURE_LOG_EVERY_MS = 5_000;

export interface DnsAddress {
  readonly host: string;
  readonly udpPort: number;
  /** null when TCP is off or could not be bound. */
  readonly tcpPort: number | null;
}

/** Counts since start, for logs and tests. */
export interface DnsServerStats {
  queries: number;
  dropped: number;
  byRcode: Record<string, number>;
}

/**
 * The sockets of the DNS face: UDP datagrams, and TCP with the two-byte length
 * prefix of RFC 1035 §4.2.2 (several queries per connection, answered in
 * order). Each packet goes to the responder; nothing a client sends can make
 * this throw.
 */
export class DnsServer {
  private udp: UdpSocket | null = null;
  private tcp: Server | null = null;
  private readonly connections = new Set<Socket>();
  private inFlight = 0;
  private lastFailureLogAt = -Infinity;
  readonly stats: DnsServerStats = { queries: 0, dropped: 0, byRcode: {} };

  constructor(
    private readonly responder: DnsResponder,
    private readonly options: DnsServerOptions,
    private readonly logger: Logger,
    /** Hears every answered or dropped packet (metrics, tests). */
    private readonly onOutcome: (outcome: QueryOutcome, transport: Transport) => void = () => undefined,
  ) {}

  /** Binds UDP, then TCP on the same port. With port 0 and TCP taken there, tries other free ports. */
  async listen(): Promise<DnsAddress> {
    const attempts = this.options.port === 0 && this.options.tcp ? 10 : 1;
    for (let attempt = 1; ; attempt++) {
      const udp = await this.bindUdp(this.options.port);
      const udpPort = udp.address().port;
      if (!this.options.tcp) {
        this.udp = udp;
        return { host: this.options.host, udpPort, tcpPort: null };
      }
      try {
        this.tcp = await this.bindTcp(udpPort);
        this.udp = udp;
        return { host: this.options.host, udpPort, tcpPort: udpPort };
      } catch (error) {
        if (attempt < attempts) {
          udp.close();
          continue;
        }
        // TCP is the fallback for large answers; UDP alone still answers every record set that fits.
        this.logger.warn('DNS over TCP could not be bound; answering over UDP only', { port: udpPort, error });
        this.udp = udp;
        return { host: this.options.host, udpPort, tcpPort: null };
      }
    }
  }

  async close(): Promise<void> {
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = null;
    this.tcp = null;
    for (const connection of this.connections) connection.destroy();
    await Promise.all([
      udp === null ? undefined : new Promise<void>((resolve) => udp.close(() => resolve())),
      tcp === null ? undefined : new Promise<void>((resolve) => tcp.close(() => resolve())),
    ]);
  }

  private bindUdp(port: number): Promise<UdpSocket> {
    const socket = createSocket({ type: isIPv6(this.options.host) ? 'udp6' : 'udp4' });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, this.options.host, () => {
        socket.off('error', reject);
        socket.on('error', (error) => this.logger.error('DNS UDP socket error', { error }));
        socket.on('message', (packet, peer) => {
          this.handle(packet, 'udp', (response) => {
            socket.send(response, peer.port, peer.address, (error) => {
              if (error) this.logger.debug('sending a DNS answer failed', { peer: `${peer.address}:${peer.port}`, error });
            });
          });
        });
        resolve(socket);
      });
    });
  }

  private bindTcp(port: number): Promise<Server> {
    const server = createServer((socket) => this.serveTcp(socket));
    server.maxConnections = this.options.maxTcpConnections;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.options.host, () => {
        server.off('error', reject);
        server.on('error', (error) => this.logger.error('DNS TCP listener error', { error }));
        resolve(server);
      });
    });
  }

  private serveTcp(socket: Socket): void {
    this.connections.add(socket);
    socket.setTimeout(this.options.tcpIdleMs, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.connections.delete(socket));
    let buffered: Buffer = Buffer.alloc(0);
    // Answers go out in query order even when a later one is ready first.
    let queue: Promise<void> = Promise.resolve();
    let pending = 0;
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const length = buffered.readUInt16BE(0);
        if (length === 0) {
          socket.destroy();
          return;
        }
        if (buffered.length < 2 + length) break;
        const packet = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        // A client that sends and never reads would pile answers up here: cut it off.
        if (++pending > MAX_PENDING_PER_CONNECTION) {
          socket.destroy();
          return;
        }
        const answered = new Promise<Buffer | null>((resolve) => this.handle(packet, 'tcp', resolve, () => resolve(null)));
        queue = queue.then(async () => {
          const response = await answered;
          pending--;
          if (response === null || socket.destroyed) return;
          const frame = Buffer.alloc(2 + response.length);
          frame.writeUInt16BE(response.length, 0);
          response.copy(frame, 2);
          socket.write(frame);
        });
      }
    });
  }

  private handle(packet: Buffer, transport: Transport, send: (response: Buffer) => void, skip: () => void = () => undefined): void {
    this.stats.queries++;
    if (this.inFlight >= this.options.maxInFlight) {
      this.stats.dropped++;
      skip();
      return;
    }
    this.inFlight++;
    const startedAt = performance.now();
    this.responder
      .respond(packet, transport)
      .then(({ response, outcome }) => {
        const rcode = outcome.rcode === null ? 'DROPPED' : rcodeToText(outcome.rcode);
        this.stats.byRcode[rcode] = (this.stats.byRcode[rcode] ?? 0) + 1;
        this.onOutcome(outcome, transport);
        if (rcode === 'SERVFAIL' && performance.now() - this.lastFailureLogAt > FAILURE_LOG_EVERY_MS) {
          this.lastFailureLogAt = performance.now();
          this.logger.warn('answering SERVFAIL: the backend cannot be read (logged at most every 5 s)', { qname: outcome.qname, problem: outcome.problem });
        }
        this.logger.debug('dns query', {
          transport,
          qname: outcome.qname,
          qtype: outcome.qtype === null ? null : typeToText(outcome.qtype),
          rcode,
          answers: outcome.answers,
          truncated: outcome.truncated,
          problem: outcome.problem,
          ms: Math.round((performance.now() - startedAt) * 10) / 10,
        });
        if (response === null) skip();
        else send(response);
      })
      .catch((error: unknown) => {
        this.logger.error('answering a DNS query failed', { error });
        skip();
      })
      .finally(() => {
        this.inFlight--;
      });
  }
}

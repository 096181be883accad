import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@plan-fabric/config';
import { PROMETHEUS_CONTENT_TYPE, type MetricsRegistry } from './registry';

export interface MetricsServerOptions {
  /** TCP port; 0 picks a free one (see `port` of the result). */
  readonly port: number;
  /** Interface to listen on; loopback by default (put a scraper next to the service, or set 0.0.0.0 on purpose). */
  readonly host?: string;
}

export interface MetricsServer {
  readonly host: string;
  readonly port: number;
  /** `http://host:port/metrics` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (and HEAD) with the registry in the Prometheus text
 * format; anything else is 404 (or 405 for another method). Rejects when the
 * port cannot be bound (EADDRINUSE), so the caller decides what that means.
 */
export async function startMetricsServer(registry: MetricsRegistry, options: MetricsServerOptions, logger?: Logger): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: metrics are at /metrics\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('use GET\n');
      return;
    }
    let body: string;
    try {
      body = registry.render();
    } catch (error) {
      logger?.error('rendering the metrics failed', { error });
      response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('rendering the metrics failed\n');
      return;
    }
    response.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
    response.end(request.method === 'HEAD' ? undefined : body);
  });
  // A scrape that stalls must not hold a socket forever.
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(options.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (error) => logger?.error('metrics listener failed', { error }));
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`;
  return {
    host,
    port,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * FABRIC_METRICS_PORT as given (unset or empty: null, metrics off; 0: a free
 * port; 1..65535). Throws on anything else, so a typo does not silently turn
 * metrics off.
 */
export function parseMetricsPort(text: string | undefined, name = 'FABRIC_METRICS_PORT'): number | null {
  if (text === undefined || text.trim() === '') return null;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0 || value > 65_535) throw new Error(`${name}=${text} must be a TCP port (0..65535; 0 picks a free one)`);
  return value;
}

/**
 * Which port each service's /metrics uses, from one base port, so that the
 * services `fabric services` starts side by side with the same environment
 * never collide: sequencer = base, projector = base + 1. A base of 0 gives
 * every service a free port of its own (each logs the one it got).
 */
export const METRICS_PORT_OFFSETS = { sequencer: 0, projector: 1 } as const;

export function metricsPortOf(service: keyof typeof METRICS_PORT_OFFSETS, base: number | null): number | null {
  if (base === null) return null;
  if (base === 0) return 0;
  const port = base + METRICS_PORT_OFFSETS[service];
  if (port > 65_535) throw new Error(`FABRIC_METRICS_PORT=${base}: the ${service}'s port ${port} is above 65535`);
  return port;
}

import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import type { Pool } from 'pg';
import { catchError, defer, exhaustMap, filter, finalize, from, interval, map, merge, mergeMap, type Observable, of, scan, share, timer } from 'rxjs';
import type { Logger } from '@plan-fabric/config';
import { endpointSeqs } from '@plan-fabric/db';
import { DASHBOARD_SETTINGS, LOGGER, READER_POOL } from '../dashboard.constants';
import type { DashboardSettings } from '../dashboard-settings';
import { ProjectionsService } from '../projections/projections.service';

/** One message of GET /api/stream (Server-Sent Events: `event: <type>`, `data: <json>`). */
export type StreamMessage =
  | { readonly type: 'hello'; readonly data: { readonly endpoints: number; readonly pollIntervalMs: number } }
  | {
      readonly type: 'change';
      readonly data: {
        readonly changed: ReadonlyArray<{ readonly endpointId: string; readonly lastEventSeq: number }>;
        readonly removed: readonly string[];
      };
    }
  | { readonly type: 'status'; readonly data: { readonly ok: boolean; readonly error: string | null } }
  | { readonly type: 'heartbeat'; readonly data: Record<string, never> };

type Poll = { readonly ok: true; readonly seqs: ReadonlyMap<string, number> } | { readonly ok: false; readonly error: string };

/**
 * Pushes projection changes: one poll of fabric.endpoints.last_event_seq per
 * interval, shared by every open stream and running only while one is open.
 * Each stream starts with `hello`, then gets a `change` per poll that moved
 * something, a `status` when the projection becomes unreadable or readable
 * again, and a `heartbeat` when idle.
 */
@Injectable()
export class ChangeStreamService {
  private readonly polls: Observable<Poll>;
  private open = 0;

  constructor(
    @Inject(READER_POOL) pool: Pool,
    @Inject(DASHBOARD_SETTINGS) private readonly settings: DashboardSettings,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(ProjectionsService) private readonly projections: ProjectionsService,
  ) {
    this.polls = timer(0, settings.changePollIntervalMs).pipe(
      // A slow query is not piled up behind: ticks during it are dropped.
      exhaustMap(() =>
        from(endpointSeqs(pool)).pipe(
          map((seqs): Poll => ({ ok: true, seqs: this.served(seqs) })),
          catchError((error: unknown) => {
            this.logger.warn('polling the projection for changes failed; the stream retries on the next tick', { error });
            return of<Poll>({ ok: false, error: (error as Error).message });
          }),
        ),
      ),
      share(),
    );
  }

  /** The message stream of one client; refused (503) beyond streamsMax open ones. */
  stream(): Observable<StreamMessage> {
    if (this.open >= this.settings.streamsMax) {
      throw new ServiceUnavailableException(`${this.open} event streams are open, the most this dashboard serves (streamsMax); try again later`);
    }
    return defer(() => {
      this.open++;
      return this.messages();
    }).pipe(finalize(() => this.open--));
  }

  private messages(): Observable<StreamMessage> {
    interface Acc {
      readonly seqs: ReadonlyMap<string, number> | null;
      readonly ok: boolean;
      readonly out: StreamMessage[];
    }
    const changes = this.polls.pipe(
      scan<Poll, Acc>(
        (acc, poll) => {
          if (!poll.ok) return { ...acc, ok: false, out: acc.ok ? [{ type: 'status', data: { ok: false, error: poll.error } }] : [] };
          const out: StreamMessage[] = acc.ok ? [] : [{ type: 'status', data: { ok: true, error: null } }];
          if (acc.seqs === null) {
            out.push({ type: 'hello', data: { endpoints: poll.seqs.size, pollIntervalMs: this.settings.changePollIntervalMs } });
          } else {
            const changed = [...poll.seqs]
              .filter(([endpointId, seq]) => acc.seqs?.get(endpointId) !== seq)
              .map(([endpointId, lastEventSeq]) => ({ endpointId, lastEventSeq }));
            const removed = [...acc.seqs.keys()].filter((endpointId) => !poll.seqs.has(endpointId));
            if (changed.length > 0 || removed.length > 0) out.push({ type: 'change', data: { changed, removed } });
          }
          return { seqs: poll.seqs, ok: true, out };
        },
        { seqs: null, ok: true, out: [] },
      ),
      filter((acc) => acc.out.length > 0),
      mergeMap((acc) => from(acc.out)),
    );
    const heartbeats = interval(this.settings.heartbeatIntervalMs).pipe(map((): StreamMessage => ({ type: 'heartbeat', data: {} })));
    return merge(changes, heartbeats);
  }

  private served(seqs: ReadonlyMap<string, number>): ReadonlyMap<string, number> {
    return new Map([...seqs].filter(([endpointId]) => this.projections.serves(endpointId)));
  }
}

import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { Pool } from 'pg';
import { servesEndpoint, type FabricConfig } from '@plan-fabric/config';
import {
  endpointDetailRows,
  listEndpoints,
  rejectedCommands,
  type EndpointDetailRows,
  type EndpointSummary,
  type Rejections,
} from '@plan-fabric/db';
import { FABRIC_CONFIG, READER_POOL } from '../dashboard.constants';
import { planTimeline, type PlanTimeline } from './plan-timeline';

export interface EndpointDetail extends EndpointDetailRows {
  readonly timeline: PlanTimeline;
}

/** The read side of the dashboard: the projections as the API shows them, limited to the endpoints this dashboard serves (FABRIC_ENDPOINTS). */
@Injectable()
export class ProjectionsService {
  constructor(
    @Inject(FABRIC_CONFIG) private readonly config: FabricConfig,
    @Inject(READER_POOL) private readonly pool: Pool,
  ) {}

  /** Who the dashboard reads as, and whether Postgres answers. */
  async health(): Promise<{ ok: true; role: string; readOnly: boolean; endpoints: number }> {
    const { rows } = await this.pool.query<{ role: string; read_only: string; endpoints: string }>(
      `SELECT current_user AS role, current_setting('transaction_read_only') AS read_only,
              (SELECT count(*) FROM fabric.endpoints) AS endpoints`,
    );
    const row = rows[0];
    if (row === undefined) throw new Error('the health query returned no row');
    return { ok: true, role: row.role, readOnly: row.read_only === 'on', endpoints: Number(row.endpoints) };
  }

  serves(endpointId: string): boolean {
    return servesEndpoint(this.config, endpointId);
  }

  endpoints(limit?: number): Promise<EndpointSummary[]> {
    return listEndpoints(this.pool, { accept: (endpointId) => this.serves(endpointId), ...(limit !== undefined && { limit }) });
  }

  async endpoint(endpointId: string): Promise<EndpointDetail> {
    const rows = this.serves(endpointId) ? await endpointDetailRows(this.pool, endpointId) : null;
    if (rows === null) throw unknownEndpoint(endpointId);
    return { ...rows, timeline: planTimeline(rows.plans, rows.activations, rows.endpoint.lastEventSeq) };
  }

  async rejections(query: { endpointId?: string; reason?: string; limit?: number }): Promise<Rejections> {
    if (query.endpointId !== undefined && !this.serves(query.endpointId)) throw unknownEndpoint(query.endpointId);
    // Without an endpoint: every endpoint, or those this dashboard serves when FABRIC_ENDPOINTS narrows it.
    const endpointIds = this.config.endpointFilter === null ? null : (await this.endpoints()).map((endpoint) => endpoint.endpointId);
    return rejectedCommands(this.pool, { ...query, endpointIds });
  }
}

export function unknownEndpoint(endpointId: string): NotFoundException {
  return new NotFoundException(
    `endpoint '${endpointId}' is not in the projection (or not served by this dashboard's FABRIC_ENDPOINTS); ` +
      'GET /api/endpoints lists the known ones, and a new endpoint appears once its RegisterEndpoint is projected',
  );
}

import { BadRequestException, Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { isRejectionReason } from '@plan-fabric/domain';
import type { EndpointSummary, Rejections } from '@plan-fabric/db';
import { ProjectionsService, type EndpointDetail } from './projections.service';

/** GET endpoints over the Postgres projections. */
@Controller('api')
export class ProjectionsController {
  constructor(@Inject(ProjectionsService) private readonly projections: ProjectionsService) {}

  @Get('health')
  health(): Promise<{ ok: true; role: string; readOnly: boolean; endpoints: number }> {
    return this.projections.health();
  }

  @Get('endpoints')
  async endpoints(@Query('limit') limit?: string): Promise<{ endpoints: EndpointSummary[] }> {
    return { endpoints: await this.projections.endpoints(optionalCount('limit', limit)) };
  }

  @Get('endpoints/:id')
  endpoint(@Param('id') endpointId: string): Promise<EndpointDetail> {
    return this.projections.endpoint(endpointId);
  }

  @Get('rejections')
  rejections(@Query('endpoint') endpointId?: string, @Query('reason') reason?: string, @Query('limit') limit?: string): Promise<Rejections> {
    if (reason !== undefined && reason !== '' && !isRejectionReason(reason)) {
      throw new BadRequestException(`reason '${reason}' is not a rejection reason (DESIGN.md lists them, e.g. STALE_GENERATION)`);
    }
    const count = optionalCount('limit', limit);
    return this.projections.rejections({
      ...(endpointId !== undefined && endpointId !== '' && { endpointId }),
      ...(reason !== undefined && reason !== '' && { reason }),
      ...(count !== undefined && { limit: count }),
    });
  }
}

function optionalCount(name: string, text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new BadRequestException(`${name}=${text} must be a positive integer`);
  return value;
}

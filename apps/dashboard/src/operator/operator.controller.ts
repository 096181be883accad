import type { ServerResponse } from 'node:http';
import {
  BadRequestException,
  Body,
  Controller,
  Headers,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Res,
} from '@nestjs/common';
import type { Logger } from '@plan-fabric/config';
import { DASHBOARD_SETTINGS, LOGGER, OPERATOR_ACTIONS } from '../dashboard.constants';
import { OPERATOR_HEADER, type DashboardSettings } from '../dashboard-settings';
import { ProjectionsService } from '../projections/projections.service';
import type { DryRun } from './dry-run';
import { OperatorActions, OperatorInputError, type ActivateResult } from './operator-actions';

/** HTTP status of an activation's answer: the outcome is in the body either way. */
const ACTIVATE_STATUS: Readonly<Record<ActivateResult['outcome'], number>> = {
  accepted: 200,
  duplicate: 200,
  rejected: 409,
  pending: 202,
};

/** The operator's actions: OperatorActivate through the command log, and a dry run that appends nothing. */
@Controller('api/endpoints')
export class OperatorController {
  constructor(
    @Inject(OPERATOR_ACTIONS) private readonly actions: OperatorActions,
    @Inject(ProjectionsService) private readonly projections: ProjectionsService,
    @Inject(DASHBOARD_SETTINGS) private readonly settings: DashboardSettings,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Post(':id/activate')
  async activate(
    @Param('id') endpointId: string,
    @Body() body: unknown,
    @Headers(OPERATOR_HEADER) operatorHeader: string | undefined,
    @Res() response: ServerResponse,
  ): Promise<void> {
    this.checkServed(endpointId);
    const fields = objectBody(body);
    const operatorId = operatorHeader ?? this.settings.operatorId;
    const result = await this.run(() =>
      this.actions.activate({ endpointId, generation: fields['generation'], reason: fields['reason'], operatorId, commandId: fields['commandId'] }),
    );
    this.logger.info('operator activation', { endpointId, operatorId, generation: fields['generation'], outcome: result.outcome, reason: result.reason });
    sendJson(response, ACTIVATE_STATUS[result.outcome], result);
  }

  @Post(':id/dry-run')
  @HttpCode(200)
  dryRun(@Param('id') endpointId: string, @Body() body: unknown): Promise<DryRun> {
    this.checkServed(endpointId);
    return this.run(() => this.actions.dryRun(endpointId, objectBody(body)['command']));
  }

  private checkServed(endpointId: string): void {
    if (!this.projections.serves(endpointId)) throw new NotFoundException(`endpoint '${endpointId}' is not served by this dashboard (FABRIC_ENDPOINTS)`);
  }

  private async run<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof OperatorInputError) {
        throw error.kind === 'unknown-endpoint' ? new NotFoundException(error.message) : new BadRequestException(error.message);
      }
      throw error;
    }
  }
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestException('send a JSON object (Content-Type: application/json)');
  }
  return body as Record<string, unknown>;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.end(JSON.stringify(body));
}

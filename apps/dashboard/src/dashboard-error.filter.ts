import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { Logger } from '@plan-fabric/config';
import { KafkaUnavailable } from './operator/kafka-publisher-source';

/**
 * Every error as JSON {statusCode, error, message}. HTTP errors keep their
 * status; Kafka being away is 503; anything else is 500 and logged with the
 * request, since it is a defect or an outage someone must look at.
 */
@Catch()
export class DashboardErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<ServerResponse>();
    const request = http.getRequest<IncomingMessage>();
    let status: number;
    let message: string;
    if (error instanceof HttpException) {
      status = error.getStatus();
      const body = error.getResponse();
      message = typeof body === 'string' ? body : String((body as { message?: unknown }).message ?? error.message);
    } else {
      status = error instanceof KafkaUnavailable ? 503 : 500;
      message = error instanceof Error ? error.message : String(error);
      this.logger.error('request failed', { method: request.method, url: request.url, status, error });
    }
    if (response.headersSent) {
      response.end();
      return;
    }
    response.statusCode = status;
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.end(JSON.stringify({ statusCode: status, error: statusText(status), message }));
  }
}

function statusText(status: number): string {
  return { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 500: 'Internal Server Error', 503: 'Service Unavailable' }[status] ?? 'Error';
}

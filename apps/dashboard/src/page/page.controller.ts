import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Controller, Get, Res } from '@nestjs/common';

/** The page file beside this one: plain HTML, CSS and JavaScript, no build step. */
export const PAGE_FILE = join(__dirname, 'dashboard.html');

/** GET /: the operator's page. It reads everything from /api and follows /api/stream. */
@Controller()
export class PageController {
  private readonly page = readFileSync(PAGE_FILE);

  @Get()
  index(@Res() response: ServerResponse): void {
    response.statusCode = 200;
    response.setHeader('Content-Type', 'text/html; charset=utf-8');
    // The page is small and changes with the code: never a stale copy after an upgrade.
    response.setHeader('Cache-Control', 'no-cache');
    response.end(this.page);
  }
}

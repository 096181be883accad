import { Controller, Inject, type MessageEvent, Sse } from '@nestjs/common';
import { map, type Observable } from 'rxjs';
import { ChangeStreamService } from './change-stream.service';

/** GET /api/stream: Server-Sent Events that tell the page what changed, so it updates without a reload. */
@Controller('api')
export class StreamController {
  constructor(@Inject(ChangeStreamService) private readonly changes: ChangeStreamService) {}

  @Sse('stream')
  stream(): Observable<MessageEvent> {
    return this.changes.stream().pipe(map((message): MessageEvent => ({ type: message.type, data: message.data })));
  }
}

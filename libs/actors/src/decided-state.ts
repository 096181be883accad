import { evolve, initialState, type EndpointState, type FabricEvent } from '@plan-fabric/domain';

/**
 * An actor's copy of the decided state of one endpoint: the fold of its
 * events, applied strictly in seq order. A redelivered event (seq already
 * folded) is ignored; a gap means events were lost on the way, and is an error.
 */
export class DecidedState {
  private current: EndpointState;

  constructor(readonly endpointId: string) {
    this.current = initialState(endpointId);
  }

  get state(): EndpointState {
    return this.current;
  }

  /** Folds one event; returns false when it was already folded (redelivery). */
  apply(event: FabricEvent): boolean {
    if (event.endpointId !== this.endpointId) {
      throw new Error(`event seq ${event.seq} of endpoint '${event.endpointId}' arrived on the log of '${this.endpointId}'`);
    }
    if (event.seq < this.current.nextSeq) return false;
    if (event.seq > this.current.nextSeq) {
      throw new Error(
        `endpoint '${this.endpointId}': event seq ${event.seq} arrived where ${this.current.nextSeq} was next — ` +
          'events are missing; restart the actor so it re-reads the log from the beginning',
      );
    }
    this.current = evolve(this.current, event);
    return true;
  }
}

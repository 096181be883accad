export { startChaos, SEQUENCER_HOOK_LINE, PROJECTOR_HOOK_LINE, type ChaosOptions, type ChaosHandle } from './chaos-run';
export { formatReport, passed, FAULT_KINDS, FAULT_LABELS, type ChaosReport, type FaultKind, type FaultRecord } from './report';
export { auditEndpoint, compareProjection, type EndpointAudit, type Violation, type LostCommand } from './audit';
export type { AckedSend } from './load';
export type { RawRecord } from './log-reader';

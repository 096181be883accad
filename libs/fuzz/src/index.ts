export { Prng } from './prng';
export { CATEGORIES, CATEGORY_WEIGHTS, hostileInput, type Category, type HostileInput, type GeneratorContext } from './hostile-inputs';
export { describeExpectation, type Expectation } from './expectations';
export { checkDecision, outcomeKey, describeEvent, REJECTION_EVENT_BYTES_MAX, type CheckFailure, type Decision } from './decision-checks';
export { runFuzz, runEpisode, FUZZ_DEFAULTS, type FuzzOptions, type FuzzReport, type FuzzViolation, type Step, type EpisodeEntry } from './fuzz-runner';
export { runEdgeFuzz, EDGE_DEFAULTS, type EdgeFuzzOptions, type EdgeFuzzReport, type EdgeViolation, type SequencerStarter } from './edge-fuzz';
export { formatFuzzReport, formatFuzzViolations, formatEdgeReport, formatEdgeViolations } from './fuzz-report';

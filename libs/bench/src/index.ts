export * from './commands';
export * from './domain-calls';
export * from './stats';
export * from './results';
export * from './report';
export * from './context';
export { runBench, QUICK_SIZES, DEFAULT_SIZES, BENCH_KNOBS, type BenchSizes, type BenchRunOptions, type BenchOutput } from './bench-run';

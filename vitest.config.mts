import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

const root = import.meta.dirname;

const lib = (name: string) => resolve(root, `libs/${name}/src/index.ts`);
const alias = {
  '@plan-fabric/domain': lib('domain'),
  '@plan-fabric/audit': lib('audit'),
  '@plan-fabric/kafka': lib('kafka'),
  '@plan-fabric/db': lib('db'),
  '@plan-fabric/config': lib('config'),
  '@plan-fabric/crypto': lib('crypto'),
  '@plan-fabric/identity': lib('identity'),
  '@plan-fabric/actors': lib('actors'),
  '@plan-fabric/testing': lib('testing'),
  '@plan-fabric/simulation': lib('simulation'),
  '@plan-fabric/fuzz': lib('fuzz'),
  '@plan-fabric/chaos': lib('chaos'),
  '@plan-fabric/metrics': lib('metrics'),
  '@plan-fabric/bench': lib('bench'),
};
const everywhere = ['apps/**/', 'libs/**/', 'test/**/'];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: everywhere.map((dir) => `${dir}*.spec.ts`),
          exclude: ['**/*.int.spec.ts', '**/*.e2e.spec.ts', '**/node_modules/**'],
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: everywhere.flatMap((dir) => [`${dir}*.int.spec.ts`, `${dir}*.e2e.spec.ts`]),
          exclude: ['**/node_modules/**'],
          // Real Kafka and Postgres, started or found by the global setup.
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // One broker and one database are shared: files run one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});

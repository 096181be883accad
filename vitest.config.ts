import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

const lib = (name: string) => resolve(__dirname, `libs/${name}/src/index.ts`);

export default defineConfig({
  resolve: {
    alias: {
      '@plan-fabric/domain': lib('domain'),
      '@plan-fabric/kafka': lib('kafka'),
      '@plan-fabric/db': lib('db'),
      '@plan-fabric/config': lib('config'),
      '@plan-fabric/actors': lib('actors'),
    },
  },
  test: {
    include: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts', 'test/**/*.spec.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Tests against Kafka and Postgres share one broker and one database; files run one at a time.
    fileParallelism: false,
  },
});

import { parseArgs, type ParseArgsConfig } from 'node:util';

/** One `fabric` subcommand. Add a file under commands/ and list it in commands/index.ts. */
export interface CliCommand {
  readonly name: string;
  /** One line for `fabric --help`. */
  readonly summary: string;
  /** `fabric <name> --help`: usage line first, then options and notes. */
  readonly help: string;
  /** Resolves with the exit code; throws UsageError for bad arguments (exit 2). */
  run(args: readonly string[]): Promise<number>;
}

/** Bad arguments: printed with the subcommand's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type OptionsSpec = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs (no dependency), with its errors turned into UsageError. */
export function parseOptions<T extends OptionsSpec>(args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** A non-negative integer option such as --outcome-wait-ms. */
export function intOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new UsageError(`--${name} must be a non-negative integer (got '${value}')`);
  return parsed;
}

/**
 * Command-line settings of an actor process: `--name value` or `--name=value`,
 * each with an environment variable as fallback (flags win), so the same app
 * runs from the demo (flags) and from a deployment (env).
 */
export class ActorArgs {
  private readonly flags = new Map<string, string>();

  constructor(
    argv: readonly string[],
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i] ?? '';
      if (!arg.startsWith('--')) throw new Error(`unexpected argument '${arg}': settings are --name value`);
      const eq = arg.indexOf('=');
      if (eq > 0) this.flags.set(arg.slice(2, eq), arg.slice(eq + 1));
      else {
        const value = argv[i + 1];
        if (value === undefined || value.startsWith('--')) throw new Error(`${arg} needs a value`);
        this.flags.set(arg.slice(2), value);
        i++;
      }
    }
  }

  text(flag: string, envName: string, fallback?: string): string {
    const value = this.flags.get(flag) ?? this.env[envName] ?? fallback;
    if (value === undefined || value === '') throw new Error(`--${flag} (or ${envName}) is required`);
    return value;
  }

  /** A whole number ≥ 0. */
  count(flag: string, envName: string, fallback: number): number {
    const text = this.flags.get(flag) ?? this.env[envName];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${flag} (${envName}) = '${text}' must be a whole number ≥ 0`);
    return value;
  }

  /** Flags given that are not in `known`: a typo should stop the process, not be ignored. */
  assertOnly(known: readonly string[]): void {
    const unknown = [...this.flags.keys()].filter((flag) => !known.includes(flag));
    if (unknown.length > 0) throw new Error(`unknown settings: ${unknown.map((flag) => `--${flag}`).join(', ')}; known: ${known.map((flag) => `--${flag}`).join(', ')}`);
  }
}

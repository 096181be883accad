/**
 * Ctrl-C and SIGTERM for the CLI: run the registered clean-ups (stop child
 * services, close connections), then exit 130 / 143. A second signal exits at
 * once; the 'exit' hook of ServiceProcesses still kills any child left.
 */
const cleanups = new Set<() => Promise<void>>();
let installed = false;

/** Registers a clean-up for an interrupt; returns the function that removes it again. */
export function onInterrupt(cleanup: () => Promise<void>): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

export function installInterruptHandlers(): void {
  if (installed) return;
  installed = true;
  let interrupted = false;
  const handle = (signal: 'SIGINT' | 'SIGTERM') => {
    const code = signal === 'SIGINT' ? 130 : 143;
    if (interrupted) process.exit(code);
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping …\n`);
    Promise.allSettled([...cleanups].map((cleanup) => cleanup())).finally(() => process.exit(code));
  };
  process.on('SIGINT', () => handle('SIGINT'));
  process.on('SIGTERM', () => handle('SIGTERM'));
}

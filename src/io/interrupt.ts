/**
 * Cleanup on Ctrl-C / SIGTERM (Node only): half-written outputs are removed before the process exits.
 */

export type Cleanup = () => unknown;

const cleanups = new Set<Cleanup>();
let handling = false;
/** A cleanup that hangs must not keep the process alive after the user asked it to stop. */
const CLEANUP_TIMEOUT_MS = 5000;

function onSignal(signal: NodeJS.Signals): void {
  const code = signal === 'SIGINT' ? 130 : 143;
  if (handling) process.exit(code); // a second Ctrl-C skips the cleanup
  handling = true;
  const pending = [...cleanups].map((fn) => Promise.resolve().then(fn));
  const timeout = new Promise((resolve) => setTimeout(resolve, CLEANUP_TIMEOUT_MS).unref());
  void Promise.race([Promise.allSettled(pending), timeout]).then(() => process.exit(code));
}

function install(): void {
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function uninstall(): void {
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

/**
 * Runs `cleanup` (with every other registered one) on SIGINT or SIGTERM, then exits with 130 or 143 as
 * a shell would report the signal. Returns a function that unregisters it; once none is registered the
 * signals get Node's default behaviour back.
 */
export function onInterrupt(cleanup: Cleanup): () => void {
  if (cleanups.size === 0) install();
  cleanups.add(cleanup);
  return () => {
    if (cleanups.delete(cleanup) && cleanups.size === 0 && !handling) uninstall();
  };
}

/**
 * Cleanup on Ctrl-C / SIGTERM (Node only): half-written outputs are removed before the process exits.
 */

export type Cleanup = () => unknown;

const cleanups = new Set<Cleanup>();
let handling = false;
/** Installed for the whole run by a program (the CLI), not only while cleanups are registered. */
let permanent = false;
let announce: ((signal: NodeJS.Signals) => void) | undefined;
/** A cleanup that hangs must not keep the process alive after the user asked it to stop. */
const CLEANUP_TIMEOUT_MS = 5000;

function onSignal(signal: NodeJS.Signals): void {
  const code = signal === 'SIGINT' ? 130 : 143;
  if (handling) process.exit(code); // a second Ctrl-C skips the cleanup
  handling = true;
  announce?.(signal);
  const pending = [...cleanups].map((fn) => Promise.resolve().then(fn));
  const timeout = new Promise((resolve) => setTimeout(resolve, CLEANUP_TIMEOUT_MS).unref());
  void Promise.race([Promise.allSettled(pending), timeout]).then(() => process.exit(code));
}

let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function uninstall(): void {
  if (permanent || !installed) return;
  installed = false;
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

/**
 * For programs (the CLI): handle SIGINT/SIGTERM for the whole run, so Ctrl-C at any point — loading
 * models, rendering, writing — calls `onSignal` once (to print one line), runs the registered cleanups
 * and exits with 130 (143 for SIGTERM).
 */
export function handleInterrupts(onSignal?: (signal: NodeJS.Signals) => void): void {
  announce = onSignal;
  permanent = true;
  install();
}

/** True once SIGINT or SIGTERM arrived: work failing afterwards failed because of it. */
export function wasInterrupted(): boolean {
  return handling;
}

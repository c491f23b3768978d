/**
 * Outputs are written under a hidden temporary name beside their target and renamed when complete, so a
 * crash, kill or failed encode never leaves a file that looks finished.
 */
import { rmSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

/** '.NAME.partial-PID.EXT' in the target's folder; the extension is kept so ffmpeg picks the right muxer. */
export function partialPathFor(target: string): string {
  const ext = extname(target);
  const stem = basename(target, ext);
  return join(dirname(target), `.${stem}.partial-${process.pid}${ext}`);
}

const pending = new Set<string>();
let exitHookInstalled = false;

/**
 * Remembers a temporary file so it is deleted if the process exits before it is committed or removed
 * (process.exit, an uncaught error). Signals are handled separately by onInterrupt.
 */
export function trackPartial(path: string): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const p of pending) rmSync(p, { force: true, recursive: true });
    });
  }
  pending.add(path);
}

export function untrackPartial(path: string): void {
  pending.delete(path);
}

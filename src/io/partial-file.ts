/**
 * Outputs are written under a hidden temporary name beside their target and renamed when complete, so a
 * crash, kill or failed encode never leaves a file that looks finished.
 *
 * The temporary name lives inside a fresh private folder made by mkdtemp (random name, created
 * exclusively, mode 0700) beside the target: nothing at a predictable path is ever opened for writing,
 * so a link planted there by someone else cannot redirect the write, and the final rename replaces the
 * target path itself (a link at the target is replaced, not followed).
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, rmSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

const pending = new Set<string>();
let exitHookInstalled = false;

/**
 * Remembers a temporary file or folder so it is deleted if the process exits before it is committed or
 * removed (process.exit, an uncaught error). Signals are handled separately by onInterrupt.
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

/** A temporary place for one output; `path` keeps the target's file name (ffmpeg picks the muxer from it). */
export interface PartialOutput {
  /** The target path. */
  readonly target: string;
  /** Where to write: a file (or, for `directory`, a folder) inside a private temporary folder. */
  readonly path: string;
  /** Moves the finished output to the target and removes the temporary folder. */
  commit(): Promise<void>;
  /** Removes everything written; the target is left as it was. Safe to call more than once. */
  discard(): Promise<void>;
}

function privateFolderPrefix(target: string): string {
  const ext = extname(target);
  return join(dirname(target), `.${basename(target, ext)}.partial-`);
}

function partialOutput(target: string, folder: string): PartialOutput {
  trackPartial(folder);
  const path = join(folder, basename(target));
  const discard = async () => {
    await rm(folder, { recursive: true, force: true });
    untrackPartial(folder);
  };
  return {
    target,
    path,
    async commit() {
      try {
        await rename(path, target);
      } finally {
        await discard();
      }
    },
    discard,
  };
}

/**
 * Prepares a temporary place for `target` in a new private folder beside it (the target's folder is
 * created when missing). Write to `path`, then commit() or discard().
 */
export async function createPartialOutput(target: string): Promise<PartialOutput> {
  await mkdir(dirname(target) || '.', { recursive: true });
  return partialOutput(target, await mkdtemp(privateFolderPrefix(target)));
}

/** Writes a whole file atomically through createPartialOutput (exclusive create, then rename). */
export async function writeFileAtomic(target: string, bytes: Uint8Array | string): Promise<void> {
  const partial = await createPartialOutput(target);
  try {
    await writeFile(partial.path, bytes, { flag: 'wx' });
  } catch (err) {
    await partial.discard();
    throw err;
  }
  await partial.commit();
}

/** Copies a file atomically to `target` (the copy never replaces an existing temporary path). */
export async function copyFileAtomic(source: string, target: string): Promise<void> {
  const partial = await createPartialOutput(target);
  try {
    await copyFile(source, partial.path, fsConstants.COPYFILE_EXCL);
  } catch (err) {
    await partial.discard();
    throw err;
  }
  await partial.commit();
}

/**
 * A hidden temporary name beside `target` with a random part ('.NAME.partial-RANDOM.EXT'; the extension
 * is kept so ffmpeg picks the right muxer) for writers that hand the path to another program. Prefer
 * createPartialOutput, which also creates the name exclusively.
 */
export function partialPathFor(target: string): string {
  const ext = extname(target);
  return join(dirname(target), `.${basename(target, ext)}.partial-${randomBytes(8).toString('hex')}${ext}`);
}

/**
 * Output paths checked before any work (Node only): the extension must be one the command writes, the
 * path must not be a folder or a special file, and its folder must be creatable and writable — so a
 * wrong `-o` fails in a second with one line, not after the whole render with ffmpeg's or rename's
 * message.
 */
import { constants, type Stats } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { OptionError } from '../validate.js';
import { isFrameSequencePattern } from './frame-sequence.js';

export type OutputKind = 'video' | 'frames' | 'image' | 'template';

/** What each kind of output may end in (the video writer's H.264 + AAC fit these containers). */
export const OUTPUT_EXTENSIONS: Readonly<Record<Exclude<OutputKind, 'frames'>, readonly string[]>> = {
  video: ['.mp4', '.mov', '.mkv'],
  image: ['.png', '.jpg', '.jpeg', '.webp'],
  template: ['.json'],
};

const EXAMPLES: Record<OutputKind, string> = { video: 'result.mp4', frames: '%04d.png', image: 'result.png', template: 'motion.json' };

/** The kind an output path asks for, or undefined when its extension is none of them. */
export function outputKindOf(path: string): OutputKind | undefined {
  if (isFrameSequencePattern(path)) return 'frames';
  const ext = extname(path).toLowerCase();
  for (const kind of ['video', 'image', 'template'] as const) if (OUTPUT_EXTENSIONS[kind].includes(ext)) return kind;
  return undefined;
}

function allowedText(allowed: readonly OutputKind[]): string {
  const items = allowed.flatMap((k) => (k === 'frames' ? ['a frame pattern such as DIR/%04d.png'] : OUTPUT_EXTENSIONS[k]));
  return items.length === 1 ? items[0] : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

function specialKind(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export interface OutputCheck {
  /** The kinds this command can write here. */
  readonly allowed: readonly OutputKind[];
  /** Leads the message: "a video driver writes", "a motion template is written as". */
  readonly what: string;
  /** Added after the allowed list, e.g. "(or .mp4 with --frames)". */
  readonly hint?: string;
  /** The CLI flag; default --output. */
  readonly flag?: string;
}

/**
 * Checks an output path and returns its kind; throws an OptionError naming the flag, the value and what
 * is allowed. Nothing is created.
 */
export async function checkOutputPath(path: string, check: OutputCheck): Promise<OutputKind> {
  const flag = check.flag ?? '--output';
  const fail = (problem: string): never => {
    throw new OptionError(flag, `${flag} '${path}'${problem}`);
  };
  const existing = await statOrUndefined(path);
  if (existing?.isDirectory() || /[\\/]$/.test(path)) {
    fail(` is a directory: give a file name inside it, such as ${join(path, EXAMPLES[check.allowed[0]])}`);
  }
  if (existing && !existing.isFile()) fail(` exists and is ${specialKind(existing)}, not a regular file`);
  const kind = outputKindOf(path);
  if (!kind || !check.allowed.includes(kind)) {
    fail(`: ${check.what} ${allowedText(check.allowed)}${check.hint ? ` ${check.hint}` : ''}${extname(basename(path)) ? '' : ' (the name has no extension)'}`);
  }
  // The nearest folder that exists must be a folder we can write into (the rest is created).
  let folder = resolve(dirname(path));
  let st = await statOrUndefined(folder);
  while (!st && dirname(folder) !== folder) {
    folder = dirname(folder);
    st = await statOrUndefined(folder);
  }
  if (st && !st.isDirectory()) fail(`: ${folder} is a file, not a directory`);
  try {
    await access(folder, constants.W_OK);
  } catch {
    fail(`: cannot write into ${folder} (permission denied)`);
  }
  return kind as OutputKind;
}

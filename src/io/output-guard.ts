/**
 * Refusing an output that is one of the inputs (Node only). Every writing command calls this before any
 * work: writing the result would replace the very file being read. The comparison is by file identity
 * (device and inode), so another spelling of the path, a symlink or a hard link is caught too; a frame
 * pattern ('out/%04d.png') is caught when an input sits in its folder under a name it would write.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { OptionError } from '../validate.js';
import { framePatternRegExp, isFrameSequencePattern } from './frame-sequence.js';

export class OutputIsInputError extends OptionError {
  constructor(
    readonly output: string,
    readonly input: string,
  ) {
    super('output', `output ${output} is also an input (${input}): writing it would replace the input; choose another output path`);
    this.name = 'OutputIsInputError';
  }
}

interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

async function identity(path: string): Promise<FileIdentity | undefined> {
  try {
    const s = await stat(path);
    return { dev: s.dev, ino: s.ino };
  } catch {
    return undefined;
  }
}

const same = (a: FileIdentity | undefined, b: FileIdentity | undefined): boolean => !!a && !!b && a.dev === b.dev && a.ino === b.ino;

/**
 * Throws OutputIsInputError when any output is (or, for a frame pattern, would write) one of the inputs.
 * Undefined entries are skipped; inputs that are not files (a webcam spec) never match.
 */
export async function assertOutputsAreNotInputs(outputs: readonly (string | undefined)[], inputs: readonly (string | undefined)[]): Promise<void> {
  const known = (list: readonly (string | undefined)[]) => list.filter((p): p is string => typeof p === 'string' && p !== '');
  const present = (await Promise.all(known(inputs).map(async (path) => ({ path, id: await identity(path) })))).filter((i) => i.id);
  if (!present.length) return;
  for (const output of known(outputs)) {
    if (isFrameSequencePattern(output)) {
      const folder = await identity(dirname(output));
      const names = framePatternRegExp(output);
      for (const input of present) {
        if (names.test(basename(input.path)) && same(folder, await identity(dirname(input.path)))) throw new OutputIsInputError(output, input.path);
      }
      continue;
    }
    const id = await identity(output);
    const clash = present.find((input) => same(id, input.id));
    if (clash) throw new OutputIsInputError(output, clash.path);
  }
}

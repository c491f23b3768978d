/**
 * Joining videos that were encoded in parts (Node only): ffmpeg's concat demuxer copies the encoded
 * frames of each part in order without re-encoding, so parts written by VideoWriter with the same
 * settings join into exactly their frames; the audio of another file can be muxed in as VideoWriter does.
 * The result is written to a temporary file and renamed into place.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { runFfmpeg } from './ffmpeg.js';
import { partialPathFor, trackPartial, untrackPartial } from './partial-file.js';
import { probeHasAudio } from './probe.js';
import { AUDIO_ENCODE_ARGS, FASTSTART_CONTAINERS } from './video-writer.js';
import { OptionError } from '../validate.js';

export interface ConcatOptions {
  /** Mux the first audio stream of this file (as VideoWriter's audioFrom). */
  readonly audioFrom?: string;
}

/** The concat demuxer's list syntax: one `file '...'` line per part, quotes escaped. */
function concatList(parts: readonly string[]): string {
  return parts.map((p) => `file '${resolve(p).replace(/'/g, "'\\''")}'\n`).join('');
}

/** Joins `parts` (in order) into `output` without re-encoding the video. */
export async function concatVideoFiles(parts: readonly string[], output: string, options: ConcatOptions = {}): Promise<{ path: string; hasAudio: boolean }> {
  if (parts.length === 0) throw new OptionError('parts', 'Expected at least one video to join but received none');
  await mkdir(dirname(output) || '.', { recursive: true });
  const partial = partialPathFor(output);
  const list = `${partial}.txt`;
  const hasAudio = options.audioFrom !== undefined && (await probeHasAudio(options.audioFrom));
  const args = ['-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list];
  if (hasAudio) args.push('-i', options.audioFrom as string);
  args.push('-map', '0:v:0');
  if (hasAudio) args.push('-map', '1:a:0');
  args.push('-c:v', 'copy');
  if (hasAudio) args.push(...AUDIO_ENCODE_ARGS);
  if (FASTSTART_CONTAINERS.has(extname(output).toLowerCase())) args.push('-movflags', '+faststart');
  args.push(partial);
  trackPartial(partial);
  try {
    await writeFile(list, concatList(parts));
    await runFfmpeg(args, `cannot join ${parts.length} parts into ${output}`);
    await rename(partial, output);
  } finally {
    await rm(partial, { force: true });
    await rm(list, { force: true });
    untrackPartial(partial);
  }
  return { path: output, hasAudio };
}

/**
 * Default output names, following the original LivePortrait CLI: `{source}--{driving}.mp4` and
 * `{source}--{driving}_concat.mp4` in the output folder (.jpg for an image driven by an image).
 */
import { basename, dirname, extname, join } from 'node:path';

/** File name without folder and last extension: '/a/d0.mp4' → 'd0'. */
export function fileStem(path: string): string {
  const name = basename(path);
  const ext = extname(name);
  return ext ? name.slice(0, -ext.length) : name;
}

export interface DefaultOutputPaths {
  /** The animated result (pasted back into the source frame, or the 512 crop without paste-back). */
  readonly main: string;
  /** Side by side [driving | source | result], each 512×512. */
  readonly concat: string;
}

/**
 * Where results go when no output path is given. `image` is true when both the source and the driver
 * are still images, and the result is then a .jpg like the original's.
 */
export function defaultOutputPaths(outputDir: string, sourcePath: string, drivingPath: string, options: { image?: boolean } = {}): DefaultOutputPaths {
  const prefix = `${fileStem(sourcePath)}--${fileStem(drivingPath)}`;
  const ext = options.image ? '.jpg' : '.mp4';
  return { main: join(outputDir, `${prefix}${ext}`), concat: join(outputDir, `${prefix}_concat${ext}`) };
}

/**
 * Where a motion template extracted from a driving video is saved by default: beside it, with the same
 * stem (the original saves d0.mp4's motion as d0.pkl), or in `outputDir` when given.
 */
export function defaultTemplatePath(drivingPath: string, outputDir?: string): string {
  return join(outputDir ?? dirname(drivingPath), `${fileStem(drivingPath)}.json`);
}

/** The side-by-side companion of an animate output: 'out.mp4' → 'out_concat.mp4' in the same folder. */
export function concatPathFor(output: string): string {
  const ext = extname(output);
  return join(dirname(output), `${basename(output, ext)}_concat${ext || '.mp4'}`);
}

/**
 * Expression editing of one portrait: slider-style controls (and optionally parts of another face)
 * → edited motion → eye/lip retargeting targets through the retargeting MLPs → stitching → render →
 * paste-back. `editKeypoints` is the isomorphic core (what the generator is handed); `editFile` is
 * the Node entry point writing an image, or a clip that moves from the neutral face to the edit.
 */
import { basename, dirname } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { interpolateControls, validateEditControls, DEFAULT_EDIT_VARIANT, type CopyParts, type EditControls, type EditVariant } from '../math/editing.js';
import { expectInteger, OptionError } from '../validate.js';
import { readImage, writeImage } from '../io/image-file.js';
import { animatedName, inspectMedia } from '../io/input-file.js';
import { checkOutputPath } from '../io/output-path.js';
import { assertOutputsAreNotInputs } from '../io/output-guard.js';
import { openFrameSink, type FrameSink } from '../io/frame-sink.js';
import { onInterrupt } from '../io/interrupt.js';
import { DEFAULTS } from '../settings.js';
import { resolveAnimateOptions, type CropOptions } from './options.js';
import { prepareSource } from './source.js';
import { FaceGroup, prepareFaces } from './faces.js';
import { editKeypoints, sourceRatios, type EditSample } from './edit-keypoints.js';
import type { Engine } from './run.js';

export { editKeypoints, type EditSample, type EditOptions } from './edit-keypoints.js';

export interface EditFileRequest {
  readonly source: string;
  /** .png/.jpg/.webp for one image; .mp4 (or DIR/%04d.png) with `frames`. */
  readonly output: string;
  readonly controls: EditControls;
  readonly variant?: EditVariant;
  readonly stitching?: boolean;
  /** Image whose expression / rotation to move toward. */
  readonly from?: string;
  readonly parts?: CopyParts;
  readonly ratio?: number;
  /** Which face of the `from` image, largest first (default 0); `crop.faceIndex` is the edited photo's. */
  readonly fromFaceIndex?: number;
  /** Render a clip of this many frames from the neutral face (no edit) to the edit. */
  readonly frames?: number;
  readonly fps?: number;
  readonly crop?: Partial<CropOptions>;
  readonly pasteback?: boolean;
  readonly crf?: number;
  readonly onProgress?: (done: number, total: number) => void;
  readonly onWarning?: (message: string) => void;
  readonly cleanupOnInterrupt?: boolean;
}

export interface EditFileResult {
  readonly output: string;
  readonly frames: number;
  /** The keypoints handed to the generator for the (last, i.e. fully edited) frame, of the first face. */
  readonly keypoints: Float32Array;
  /** How many faces were edited (`crop.faces`). */
  readonly faces: number;
}

/** Reads an image input (never a video), warning when an animated file's first frame is used. */
async function readStill(path: string, flag: string, warn: (m: string) => void): Promise<ReturnType<typeof readImage>> {
  const input = await inspectMedia(path, flag);
  if (input.kind !== 'image') throw new OptionError(flag, `${flag} ${path} is a video: editing takes one image`);
  if (input.pages > 1) warn(`${path} is ${animatedName(input.format)}: its first frame is used`);
  return readImage(path);
}

/** Checks an edit request without loading anything: controls, inputs and the output path. */
export async function checkEditRequest(request: EditFileRequest): Promise<void> {
  validateEditControls(request.controls, request.variant ?? DEFAULT_EDIT_VARIANT);
  await assertOutputsAreNotInputs([request.output], [request.source, request.from]);
  if (request.frames !== undefined) expectInteger('frames', request.frames, 1, 100000);
  if (request.fromFaceIndex !== undefined) expectInteger('--from-face-index', request.fromFaceIndex, 0);
  await inspectMedia(request.source, '--source');
  if (request.from) await inspectMedia(request.from, '--from');
  await checkOutputPath(
    request.output,
    request.frames !== undefined
      ? { allowed: ['video', 'frames'], what: 'edit --frames writes a clip as' }
      : { allowed: ['image'], what: 'edit writes', hint: '(or .mp4 with --frames)' },
  );
}

/** Edits one portrait into an image, or a clip of `frames` frames moving from the neutral face to the edit. */
export async function editFile(engine: Engine, request: EditFileRequest): Promise<EditFileResult> {
  const variant = request.variant ?? DEFAULT_EDIT_VARIANT;
  const warn = request.onWarning ?? (() => {});
  await checkEditRequest(request);
  const options = resolveAnimateOptions({ crop: request.crop, output: { pasteback: (request.pasteback ?? true) && (request.crop?.crop ?? true) } });
  const faces = await prepareFaces(await readStill(request.source, '--source', warn), engine.models, engine.cropper, {
    crop: options.crop,
    ratios: request.controls.eyesOpen !== undefined || request.controls.lipOpen !== undefined,
    pasteback: options.output.pasteback,
    label: basename(request.source),
  });
  faces.warnings.forEach(warn);
  const sources = faces.sources;
  let sample: EditSample | undefined;
  if (request.from) {
    // --faces picks the faces to edit; the reference has its own index (its largest face by default).
    const other = await prepareSource(await readStill(request.from, '--from', warn), engine.models, engine.cropper, {
      crop: { ...options.crop, faces: 'largest', faceIndex: request.fromFaceIndex ?? 0 },
      faceIndexName: '--from-face-index',
      pasteback: false,
      label: basename(request.from),
    });
    sample = { motion: other.motion, parts: request.parts ?? 'all', ratio: request.ratio ?? 1 };
  }
  // The controls apply to every chosen face; the renders are pasted back one after another.
  const animator = new FaceGroup(sources, engine.models, { motion: options.motion, pasteback: options.output.pasteback });
  const stitching = request.stitching ?? true;
  await mkdir(dirname(request.output) || '.', { recursive: true });

  if (request.frames === undefined) {
    const keypoints: Float32Array[] = [];
    for (const source of sources) keypoints.push(await editKeypoints(source, engine.models, request.controls, { variant, stitching, from: sample }));
    const frame = await animator.renderKeypoints(0, keypoints);
    await writeImage(request.output, FaceGroup.output(frame));
    return { output: request.output, frames: 1, keypoints: keypoints[0], faces: sources.length };
  }

  const n = request.frames;
  const size = animator.frameSize;
  let sink: FrameSink | undefined;
  const unregister = request.cleanupOnInterrupt ? onInterrupt(() => sink?.abort() ?? Promise.resolve()) : () => {};
  try {
    sink = await openFrameSink(request.output, { ...size, fps: request.fps ?? DEFAULTS.output.fallbackFps, crf: request.crf ?? DEFAULTS.output.crf });
    const neutral = sources.map((s) => sourceRatios(s));
    let keypoints: Float32Array[] = sources.map((s) => s.keypoints);
    for (let i = 0; i < n; i++) {
      const t = n === 1 ? 1 : i / (n - 1);
      const from = sample && { ...sample, ratio: sample.ratio * t };
      keypoints = [];
      for (let k = 0; k < sources.length; k++) {
        const controls = interpolateControls({}, request.controls, t, neutral[k]);
        keypoints.push(await editKeypoints(sources[k], engine.models, controls, { variant, stitching, from }));
      }
      const frame = await animator.renderKeypoints(i, keypoints);
      await sink.write(FaceGroup.output(frame));
      request.onProgress?.(i + 1, n);
    }
    await sink.close();
    return { output: request.output, frames: n, keypoints: keypoints[0], faces: sources.length };
  } catch (err) {
    await sink?.abort().catch(() => undefined);
    throw err;
  } finally {
    unregister();
  }
}

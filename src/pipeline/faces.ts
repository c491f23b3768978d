/**
 * Several faces in one picture: one prepared source per chosen face (crop, F volume, keypoints,
 * paste-back plan), one FrameAnimator per face, and the renders pasted back one after another, each
 * with its own feathered mask, so overlapping masks blend without seams. Per frame the cost grows by
 * one W+G (and the stitching MLP) per face; the driving motion is computed once per driver.
 * Isomorphic (no Node imports): the CLI, the library and the browser app share it.
 */
import type { RgbImage } from '../image/types.js';
import { createRgbImage } from '../image/types.js';
import { pasteBack } from '../image/blend.js';
import { resizeToLimit } from '../image/resize.js';
import type { FaceCropper } from '../face/cropper.js';
import { NoFaceError } from '../face/types.js';
import { selectFaces, type FaceSelection } from '../face/select.js';
import { OptionError } from '../validate.js';
import { DEFAULTS } from '../settings.js';
import { prepareSource, type PortraitModels, type PreparedSource, type PrepareSourceOptions } from './source.js';
import { FrameAnimator, type AnimatedFrame, type AnimatorOptions, type DrivingSample } from './animator.js';
import { lap, spanStart } from './timings.js';

export interface PreparedFaces {
  /** One prepared source per chosen face, left to right (all share the same size-limited image). */
  readonly sources: readonly PreparedSource[];
  /** Left-to-right index of each chosen face among the faces found. */
  readonly indices: readonly number[];
  /** Notes about the choice (faces under --min-face skipped) and each face's own notes, without repeats. */
  readonly warnings: readonly string[];
}

/**
 * Prepares every chosen face of one picture. `crop.faces` 'largest' is exactly `prepareSource` (one face,
 * the single-face behaviour); 'all' or indices detect once and prepare each face from that detection.
 */
export async function prepareFaces(image: RgbImage, models: PortraitModels, cropper: FaceCropper | undefined, options: PrepareSourceOptions): Promise<PreparedFaces> {
  const selection: FaceSelection = options.crop.faces ?? DEFAULTS.faces.selection;
  if (selection === 'largest' || !options.crop.crop) {
    const source = await prepareSource(image, models, cropper, options);
    return { sources: [source], indices: [0], warnings: source.warnings };
  }
  if (!cropper) throw new Error('cropping the source needs a face detector');
  const limited = resizeToLimit(image, options.crop.maxDim, DEFAULTS.source.division);
  const found = await cropper.detectFaces(limited);
  const label = options.label ?? 'the image';
  if (found.length === 0) throw new NoFaceError(label, options.frame);
  const choice = selectFaces(found, selection, { minFace: options.crop.minFace, label });
  const sources: PreparedSource[] = [];
  for (const f of choice.faces) sources.push(await prepareSource(limited, models, cropper, { ...options, face: f.face }));
  const warnings = [...new Set([...choice.warnings, ...sources.flatMap((s) => s.warnings)])];
  return { sources, indices: choice.faces.map((f) => f.index), warnings };
}

/**
 * Which driver each face follows: with one driver every face follows it; with as many drivers as faces,
 * face k follows driver k. Any other count is an error naming both counts.
 */
export function driverForFace(faceCount: number, driverCount: number, selection: FaceSelection = 'largest'): (face: number) => number {
  if (driverCount === 1) return () => 0;
  if (driverCount === faceCount) return (k) => k;
  const chosen = typeof selection === 'string' ? selection : selection.join(',');
  throw new OptionError(
    'driving',
    `${faceCount} face${faceCount === 1 ? ' was' : 's were'} chosen (--faces ${chosen}) but ${driverCount} drivers were given (-d): give one driver for every face, or exactly one per face in left-to-right order`,
  );
}

export interface FaceGroupFrame {
  readonly index: number;
  /** The first face's 512×512 render (the single-face `render`). */
  readonly render: RgbImage;
  /** Every face's render, in face order. */
  readonly renders: readonly RgbImage[];
  /** All renders pasted back into the source image, one after another (when paste-back is on). */
  readonly pasted?: RgbImage;
  readonly drivingKeypoints: readonly Float32Array[];
}

/**
 * One FrameAnimator per face and the paste-back of all renders. With one face it is exactly that face's
 * FrameAnimator (bit-identical to the single-face pipeline).
 */
export class FaceGroup {
  readonly animators: readonly FrameAnimator[];
  private readonly pasteback: boolean;

  constructor(
    readonly sources: readonly PreparedSource[],
    readonly models: PortraitModels,
    options: AnimatorOptions | ((face: number) => AnimatorOptions),
  ) {
    if (sources.length === 0) throw new Error('a face group needs at least one prepared source');
    const optionsOf = typeof options === 'function' ? options : () => options;
    this.pasteback = optionsOf(0).pasteback ?? true;
    const single = sources.length === 1;
    this.animators = sources.map((s, k) => new FrameAnimator(s, models, single ? optionsOf(k) : { ...optionsOf(k), pasteback: false }));
  }

  get size(): number {
    return this.sources.length;
  }

  /** Notes from every animator, without repeats. */
  get warnings(): string[] {
    return [...new Set(this.animators.flatMap((a) => a.warnings))];
  }

  /** Output frame size: the source image with paste-back, else the renders side by side. */
  get frameSize(): { width: number; height: number } {
    const s = this.sources[0];
    if (this.pasteback && s.pasteBack) return { width: s.image.width, height: s.image.height };
    return { width: 512 * this.sources.length, height: 512 };
  }

  setReference(face: number, sample: DrivingSample): void {
    this.animators[face].setReference(sample);
  }

  /** Animates every face with its own sample (`samples[k]` drives face k). */
  async animate(samples: readonly DrivingSample[]): Promise<FaceGroupFrame> {
    if (samples.length !== this.animators.length) throw new RangeError(`expected ${this.animators.length} driving samples (one per face) but received ${samples.length}`);
    const frames: AnimatedFrame[] = [];
    for (let k = 0; k < samples.length; k++) frames.push(await this.animators[k].animate(samples[k]));
    return this.compose(samples[0].index, frames);
  }

  /** Renders keypoints already composed for each face (editing). */
  async renderKeypoints(index: number, keypoints: readonly Float32Array[]): Promise<FaceGroupFrame> {
    const frames: AnimatedFrame[] = [];
    for (let k = 0; k < keypoints.length; k++) frames.push(await this.animators[k].renderKeypoints(index, keypoints[k]));
    return this.compose(index, frames);
  }

  /** The output image of a frame: the pasted picture, or the renders side by side. */
  static output(frame: FaceGroupFrame): RgbImage {
    return frame.pasted ?? (frame.renders.length === 1 ? frame.render : sideBySide(frame.renders));
  }

  private compose(index: number, frames: AnimatedFrame[]): FaceGroupFrame {
    const renders = frames.map((f) => f.render);
    const drivingKeypoints = frames.map((f) => f.drivingKeypoints);
    if (frames.length === 1) return { index, render: renders[0], renders, pasted: frames[0].pasted, drivingKeypoints };
    let pasted: RgbImage | undefined;
    if (this.pasteback) {
      const timings = this.animators[0].options.timings;
      const t = spanStart(timings);
      for (let k = 0; k < frames.length; k++) {
        const plan = this.sources[k].pasteBack;
        if (!plan) continue;
        // The first paste copies the source image; the next ones blend into that copy in place.
        pasted = pasted ? pasteBack(pasted, renders[k], plan, pasted) : pasteBack(this.sources[k].image, renders[k], plan);
      }
      lap(timings, 'paste', index, t);
    }
    return { index, render: renders[0], renders, pasted, drivingKeypoints };
  }
}

/** Renders side by side (several faces without paste-back). */
export function sideBySide(images: readonly RgbImage[]): RgbImage {
  const h = Math.max(...images.map((i) => i.height));
  const w = images.reduce((a, i) => a + i.width, 0);
  const out = createRgbImage(w, h);
  let x0 = 0;
  for (const img of images) {
    for (let y = 0; y < img.height; y++) out.data.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), (y * w + x0) * 3);
    x0 += img.width;
  }
  return out;
}

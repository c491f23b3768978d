/**
 * LivePortrait's 203-point landmark model (`landmark.onnx`, role landmark203): input `input`
 * 1x3x224x224 RGB in [0, 1]; of its three outputs only `856` (1x406 = 203 (x, y) in [0, 1] of the crop)
 * is used. The crop comes from the previous landmarks (any layout) with the original's landmark-runner
 * settings: 224 px, scale 1.5, vy −0.1, rotated upright.
 *
 * Written from the original's `LandmarkRunner`; no real model file is available to this project's tests,
 * which check the plumbing with a generated graph of the same contract.
 */
import { float32Tensor, type InferenceSession } from '../runtime/onnx.js';
import { transformPoints, type AffineLike } from '../math/affine.js';
import { cropTransform, type CropTransform, type LandmarkLayout } from '../math/crop.js';
import { imageToTensor } from '../image/tensor.js';
import { warpAffine } from '../image/warp.js';
import type { RgbImage } from '../image/types.js';
import { DEFAULTS } from '../settings.js';

export const LANDMARK203_OUTPUT = '856';
const SIZE = DEFAULTS.crop.landmark.dsize;

/** The 224 crop the model sees, from the previous landmarks. */
export function landmark203Transform(points: ArrayLike<number>, layout?: LandmarkLayout): CropTransform {
  const { scale, vx, vy, dsize } = DEFAULTS.crop.landmark;
  return cropTransform(points, { scale, vx, vy, dsize, layout });
}

/** 406 outputs in [0, 1] of the crop → 203 points in image pixels (×224, then M_c2o). */
export function decodeLandmark203(out856: ArrayLike<number>, cropToImage: AffineLike): Float32Array {
  if (out856.length < 406) throw new Error(`203-point landmark output has ${out856.length} values, expected 406`);
  const crop = new Float64Array(406);
  for (let i = 0; i < 406; i++) crop[i] = out856[i] * SIZE;
  return transformPoints(cropToImage, crop, new Float32Array(406));
}

export interface Landmark203Model {
  /** 203 points (interleaved, image pixels) from a previous landmark set of any layout (5/106/203/478). */
  detect(image: RgbImage, previous: ArrayLike<number>): Promise<Float32Array>;
}

export class Landmark203 implements Landmark203Model {
  private readonly input = new Float32Array(3 * SIZE * SIZE);

  constructor(private readonly model: { readonly session: InferenceSession }) {}

  async detect(image: RgbImage, previous: ArrayLike<number>): Promise<Float32Array> {
    const t = landmark203Transform(previous);
    const crop = warpAffine(image, t.M_o2c, SIZE, SIZE);
    imageToTensor(crop, this.input);
    const session = this.model.session;
    const out = await session.run({ [session.inputNames[0]]: await float32Tensor(this.input, [1, 3, SIZE, SIZE]) }, [LANDMARK203_OUTPUT]);
    return decodeLandmark203(out[LANDMARK203_OUTPUT].data as Float32Array, t.M_c2o);
  }
}

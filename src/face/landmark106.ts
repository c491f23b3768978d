/**
 * InsightFace 2d106det (role landmark106): input `data` 1x3x192x192 RGB with raw 0–255 values (the model
 * normalises internally), output `fc1` 1x212 = 106 (x, y) in [−1, 1] of the crop. The crop is a
 * similarity centred on the detector box, scale 192 / (1.5·max(w, h)), no rotation.
 *
 * Written from InsightFace's `Landmark.get` (and FasterLivePortrait's copy of it); no real model file is
 * available to this project's tests, which check the plumbing with a generated graph of the same contract.
 */
import { float32Tensor, type InferenceSession } from '../runtime/onnx.js';
import { invertAffine, transformPoints, type Affine2x3 } from '../math/affine.js';
import { boxCenteredTransform, type Box } from '../math/crop.js';
import { imageToTensorNormalized } from '../image/tensor.js';
import { warpAffine } from '../image/warp.js';
import type { RgbImage } from '../image/types.js';

export const LANDMARK106_INPUT_SIZE = 192;

/** Image → crop transform for the 106-point model: centred on the box, 1.5× its longer side. */
export function landmark106Transform(box: Box): Affine2x3 {
  return boxCenteredTransform(box, LANDMARK106_INPUT_SIZE, 1.5);
}


/** 212 network outputs in [−1, 1] → 106 points in image pixels: (pred + 1)·96, then the inverse crop. */
export function decodeLandmark106(pred: ArrayLike<number>, imageToCrop: Affine2x3): Float32Array {
  const half = LANDMARK106_INPUT_SIZE / 2;
  // Some exports append extra values; the landmarks are the last 212.
  const start = pred.length - 212;
  if (start < 0) throw new Error(`106-point landmark output has ${pred.length} values, expected at least 212`);
  const crop = new Float64Array(212);
  for (let i = 0; i < 212; i++) crop[i] = (pred[start + i] + 1) * half;
  return transformPoints(invertAffine(imageToCrop), crop, new Float32Array(212));
}

export interface Landmark106Model {
  /** 106 points (interleaved x, y, image pixels) for the face in `box`. */
  detect(image: RgbImage, box: Box): Promise<Float32Array>;
}

export class Landmark106 implements Landmark106Model {
  constructor(private readonly model: { readonly session: InferenceSession }) {}

  async detect(image: RgbImage, box: Box): Promise<Float32Array> {
    const size = LANDMARK106_INPUT_SIZE;
    const m = landmark106Transform(box);
    const crop = warpAffine(image, m, size, size);
    const input = imageToTensorNormalized(crop, { order: 'rgb', mean: 0, std: 1 });
    const session = this.model.session;
    const out = await session.run({ [session.inputNames[0]]: await float32Tensor(input, [1, 3, size, size]) });
    return decodeLandmark106(out[session.outputNames[0]].data as Float32Array, m);
  }
}

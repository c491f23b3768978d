/**
 * MediaPipe face landmarks, 478 points with iris (role facemesh; the public
 * `face_landmarks_detector_Nx3x256x256.onnx`). UNVERIFIED against the real file in this project: its
 * layout is taken from public code that runs it (VisoMaster): input (first input, named `input_12` there)
 * Nx3x256x256 RGB in [0, 1]; first output (`Identity`) 478×3 values, (x, y, z) in pixels of the 256 crop;
 * the crop is centred on the detector box, scale 256 / (1.5·max(w, h)), no rotation. Further outputs
 * (face presence, blend-shape inputs) are ignored.
 *
 * Decoding is tolerant: it takes the first 1434 values of the first output and, if every x/y lies within
 * [−0.5, 1.5], treats them as normalised to the crop (×256) instead of pixels.
 */
import { float32Tensor, type InferenceSession } from '../runtime/onnx.js';
import { invertAffine, transformPoints, type Affine2x3 } from '../math/affine.js';
import { boxCenteredTransform, type Box } from '../math/crop.js';
import { imageToTensor } from '../image/tensor.js';
import { warpAffine } from '../image/warp.js';
import type { RgbImage } from '../image/types.js';

export const FACEMESH_INPUT_SIZE = 256;
export const FACEMESH_POINTS = 478;

export function facemeshTransform(box: Box): Affine2x3 {
  return boxCenteredTransform(box, FACEMESH_INPUT_SIZE, 1.5);
}

/** First output → 478 (x, y) in image pixels (z dropped). */
export function decodeFacemesh(output: ArrayLike<number>, imageToCrop: Affine2x3): Float32Array {
  const n = FACEMESH_POINTS;
  if (output.length < n * 3) throw new Error(`face mesh output has ${output.length} values, expected at least ${n * 3}`);
  const xy = new Float64Array(n * 2);
  let normalised = true;
  for (let i = 0; i < n; i++) {
    const x = output[i * 3], y = output[i * 3 + 1];
    xy[2 * i] = x;
    xy[2 * i + 1] = y;
    if (!(x >= -0.5 && x <= 1.5 && y >= -0.5 && y <= 1.5)) normalised = false;
  }
  if (normalised) for (let i = 0; i < xy.length; i++) xy[i] *= FACEMESH_INPUT_SIZE;
  return transformPoints(invertAffine(imageToCrop), xy, new Float32Array(n * 2));
}

export interface FaceMeshModel {
  /** 478 points (interleaved x, y, image pixels) for the face in `box`. */
  detect(image: RgbImage, box: Box): Promise<Float32Array>;
}

export class FaceMesh implements FaceMeshModel {
  private readonly input = new Float32Array(3 * FACEMESH_INPUT_SIZE * FACEMESH_INPUT_SIZE);

  constructor(private readonly model: { readonly session: InferenceSession }) {}

  async detect(image: RgbImage, box: Box): Promise<Float32Array> {
    const size = FACEMESH_INPUT_SIZE;
    const m = facemeshTransform(box);
    imageToTensor(warpAffine(image, m, size, size), this.input);
    const session = this.model.session;
    const first = session.outputNames[0];
    const out = await session.run({ [session.inputNames[0]]: await float32Tensor(this.input, [1, 3, size, size]) }, [first]);
    return decodeFacemesh(out[first].data as Float32Array, m);
  }
}

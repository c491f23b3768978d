/**
 * SCRFD face detector with 5 keypoints (InsightFace: det_10g.onnx of buffalo_l, scrfd_2.5g_bnkps.onnx).
 * Input: the session's first input, 1x3xSxS RGB with (pixel − 127.5) / 128, the image letterboxed into
 * S×S (pad right/bottom). Outputs, in order: scores ×3, box distances ×3, keypoint offsets ×3 for strides
 * 8/16/32, two anchors per cell. Decoding follows InsightFace's `SCRFD.detect`.
 *
 * InsightFace's pretrained models are licensed for non-commercial research only.
 */
import { float32Tensor, type InferenceSession } from '../runtime/onnx.js';
import { imageToTensorNormalized } from '../image/tensor.js';
import type { RgbImage } from '../image/types.js';
import { expectInteger, expectNumber } from '../validate.js';
import { finishDetections, letterbox } from './detect-common.js';
import type { Face, FaceDetector } from './types.js';

export interface ScrfdOptions {
  /**
   * Minimum face score. InsightFace's default is 0.5 (FasterLivePortrait, ailia); the original
   * LivePortrait CLI passes 0.15, which on our sample portraits also accepts spurious low-score boxes, so
   * 0.5 is the default here.
   */
  readonly scoreThreshold?: number;
  /** NMS IoU (default 0.4). */
  readonly nmsIou?: number;
  /** Letterbox side; a multiple of 32 (default 640; the original LivePortrait uses 512). */
  readonly inputSize?: number;
  readonly topK?: number;
}

export const SCRFD_DEFAULT_SCORE_THRESHOLD = 0.5;
const STRIDES = [8, 16, 32] as const;
const ANCHORS_PER_CELL = 2;

/** The notice the CLI prints once when an InsightFace model is used. */
export function insightfaceLicenceNotice(): string {
  return (
    'NOTE: the InsightFace models (SCRFD detector, 2d106det landmarks) are licensed for non-commercial ' +
    'research purposes only. Use --det yunet (MIT) or --det facemesh (Apache-2.0) for other uses.'
  );
}

/**
 * Decodes the nine SCRFD outputs (in the file's order) into faces in letterbox pixels, before NMS.
 */
export function decodeScrfd(outputs: readonly ArrayLike<number>[], inputSize: number, scoreThreshold: number): Face[] {
  if (outputs.length !== 9) throw new Error(`SCRFD with keypoints has 9 outputs but received ${outputs.length}`);
  const faces: Face[] = [];
  STRIDES.forEach((stride, level) => {
    const scores = outputs[level], boxes = outputs[level + 3], kps = outputs[level + 6];
    const cols = Math.floor(inputSize / stride), rows = cols;
    const count = rows * cols * ANCHORS_PER_CELL;
    if (scores.length < count || boxes.length < count * 4 || kps.length < count * 10) {
      throw new Error(`SCRFD stride ${stride} outputs are too short for a ${inputSize}x${inputSize} input`);
    }
    for (let i = 0; i < count; i++) {
      const score = scores[i];
      if (!(score >= scoreThreshold)) continue;
      const cell = Math.floor(i / ANCHORS_PER_CELL);
      const ax = (cell % cols) * stride, ay = Math.floor(cell / cols) * stride;
      const box: [number, number, number, number] = [
        ax - boxes[i * 4] * stride,
        ay - boxes[i * 4 + 1] * stride,
        ax + boxes[i * 4 + 2] * stride,
        ay + boxes[i * 4 + 3] * stride,
      ];
      const keypoints5: number[] = [];
      for (let n = 0; n < 5; n++) keypoints5.push(ax + kps[i * 10 + 2 * n] * stride, ay + kps[i * 10 + 2 * n + 1] * stride);
      faces.push({ box, score, keypoints5 });
    }
  });
  return faces;
}

export class ScrfdDetector implements FaceDetector {
  readonly name = 'scrfd';
  private readonly scoreThreshold: number;
  private readonly nmsIou: number;
  private readonly inputSize: number;
  private readonly topK: number;

  constructor(
    private readonly model: { readonly session: InferenceSession },
    options: ScrfdOptions = {},
  ) {
    this.scoreThreshold = expectNumber('scoreThreshold', options.scoreThreshold ?? SCRFD_DEFAULT_SCORE_THRESHOLD, 0, 1);
    this.nmsIou = expectNumber('nmsIou', options.nmsIou ?? 0.4, 0, 1);
    this.inputSize = expectInteger('inputSize', options.inputSize ?? 640, 64, 4096);
    if (this.inputSize % 32 !== 0) throw new RangeError(`Expected inputSize to be a multiple of 32 but received ${this.inputSize}`);
    this.topK = options.topK === undefined ? Infinity : expectInteger('topK', options.topK, 1);
  }

  async detect(image: RgbImage): Promise<Face[]> {
    const size = this.inputSize;
    const box = letterbox(image, size);
    const input = imageToTensorNormalized(box.image, { order: 'rgb', mean: 127.5, std: 128 });
    const session = this.model.session;
    const out = await session.run({ [session.inputNames[0]]: await float32Tensor(input, [1, 3, size, size]) });
    const raw = session.outputNames.map((n) => out[n].data as Float32Array);
    return finishDetections(decodeScrfd(raw, size, this.scoreThreshold), box.scale, this.nmsIou, this.topK);
  }
}

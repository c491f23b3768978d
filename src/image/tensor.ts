/**
 * Conversions between RgbImage and the planar float tensors the models take and give.
 * LivePortrait's own models (F, M, landmark.onnx) take NCHW RGB `pixel/255`; detectors use other scalings.
 */
import { createRgbImage, type RgbImage } from './types.js';

/** RgbImage → 1x3xHxW float32 RGB in [0, 1] (`img.astype(float32) / 255`, transposed). */
export function imageToTensor(image: RgbImage, out?: Float32Array): Float32Array {
  return imageToTensorNormalized(image, { order: 'rgb', mean: 0, std: 255 }, out);
}

export interface TensorNormalization {
  /** Channel order of the planes. */
  readonly order: 'rgb' | 'bgr';
  /** Each value is (pixel − mean) / std. */
  readonly mean: number;
  readonly std: number;
}

/** RgbImage → 1x3xHxW float32 with the given channel order and (pixel − mean) / std. */
export function imageToTensorNormalized(image: RgbImage, norm: TensorNormalization, out?: Float32Array): Float32Array {
  const plane = image.width * image.height;
  const dst = out ?? new Float32Array(plane * 3);
  if (dst.length !== plane * 3) throw new RangeError(`Expected an output tensor of ${plane * 3} values but received ${dst.length}`);
  const src = image.data;
  const [p0, p2] = norm.order === 'rgb' ? [0, 2 * plane] : [2 * plane, 0];
  const { mean, std } = norm;
  if (mean === 0 && std === 1) {
    for (let i = 0, j = 0; i < plane; i++, j += 3) {
      dst[p0 + i] = src[j];
      dst[plane + i] = src[j + 1];
      dst[p2 + i] = src[j + 2];
    }
  } else {
    for (let i = 0, j = 0; i < plane; i++, j += 3) {
      dst[p0 + i] = (src[j] - mean) / std;
      dst[plane + i] = (src[j + 1] - mean) / std;
      dst[p2 + i] = (src[j + 2] - mean) / std;
    }
  }
  return dst;
}

/** RgbImage → 1x3xHxW float32 BGR with raw 0–255 values (OpenCV `blobFromImage` defaults, YuNet). */
export function imageToTensorBgr255(image: RgbImage, out?: Float32Array): Float32Array {
  return imageToTensorNormalized(image, { order: 'bgr', mean: 0, std: 1 }, out);
}

/**
 * A model's 1x3xHxW RGB output in [0, 1] → RgbImage, as the original's `parse_output`: clip to [0, 1],
 * ×255 in float32, TRUNCATE to uint8 (no rounding).
 */
export function tensorToImage(nchw: ArrayLike<number>, width: number, height: number): RgbImage {
  const plane = width * height;
  if (nchw.length < plane * 3) throw new RangeError(`Expected at least ${plane * 3} values for a 3x${height}x${width} tensor but received ${nchw.length}`);
  const out = createRgbImage(width, height);
  const d = out.data;
  for (let c = 0; c < 3; c++) {
    const base = c * plane;
    for (let i = 0; i < plane; i++) {
      let v = nchw[base + i];
      // NaN compares false both ways and ends at 0, like numpy's clip followed by astype on most platforms.
      v = v > 1 ? 1 : v > 0 ? v : 0;
      d[i * 3 + c] = Math.fround(Math.fround(v) * 255);
    }
  }
  return out;
}

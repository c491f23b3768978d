/**
 * The one image type of the project: 8-bit RGB, interleaved (r, g, b, r, g, b, …), row-major, no padding.
 * Decoders and encoders at the edges (sharp in Node, canvas in the browser) convert to and from it.
 */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** width·height·3 bytes. */
  readonly data: Uint8Array;
}

/** A single-channel float image (masks, weights), row-major. */
export interface GrayFloatImage {
  readonly width: number;
  readonly height: number;
  /** width·height values. */
  readonly data: Float32Array;
}

export function createRgbImage(width: number, height: number, data?: Uint8Array): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`Expected positive integer image size but received ${width}x${height}`);
  }
  const size = width * height * 3;
  if (data && data.length !== size) {
    throw new RangeError(`Expected ${size} bytes for a ${width}x${height} RGB image but received ${data.length}`);
  }
  return { width, height, data: data ?? new Uint8Array(size) };
}

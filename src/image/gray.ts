/** A single-channel 8-bit image (paste-back masks), row-major, no padding. */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  /** width·height bytes. */
  readonly data: Uint8Array;
}

export function createGrayImage(width: number, height: number, data?: Uint8Array): GrayImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`Expected positive integer image size but received ${width}x${height}`);
  }
  if (data && data.length !== width * height) {
    throw new RangeError(`Expected ${width * height} bytes for a ${width}x${height} grey image but received ${data.length}`);
  }
  return { width, height, data: data ?? new Uint8Array(width * height) };
}

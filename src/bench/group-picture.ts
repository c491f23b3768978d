/**
 * Multi-face pictures for the multi-face benchmark and tests: real portraits scaled to one height and
 * placed left to right (side by side, or overlapping). Node only (sharp).
 */
import { join } from 'node:path';

export interface GroupPhoto {
  readonly path: string;
  readonly width: number;
  readonly height: number;
  /** Left edge of each portrait in the picture, left to right. */
  readonly lefts: readonly number[];
  /** Width of each placed portrait. */
  readonly widths: readonly number[];
}

/**
 * Portraits scaled to `height` and placed left to right; `overlap` (0…0.5) is the fraction of each
 * portrait's width the next one covers (0: side by side). Written as a PNG into `dir`.
 */
export async function groupPhoto(dir: string, name: string, portraits: readonly string[], options: { height?: number; overlap?: number } = {}): Promise<GroupPhoto> {
  const { default: sharp } = await import('sharp');
  const height = options.height ?? 360;
  const overlap = options.overlap ?? 0;
  const tiles = await Promise.all(
    portraits.map(async (p) => {
      const { data, info } = await sharp(p).resize({ height }).png().toBuffer({ resolveWithObject: true });
      return { data, width: info.width };
    }),
  );
  const lefts: number[] = [];
  let x = 0;
  for (const t of tiles) {
    lefts.push(x);
    x += Math.round(t.width * (1 - overlap));
  }
  const width = lefts[lefts.length - 1] + tiles[tiles.length - 1].width;
  const path = join(dir, `${name}.png`);
  await sharp({ create: { width, height, channels: 3, background: { r: 90, g: 110, b: 130 } } })
    .composite(tiles.map((t, i) => ({ input: t.data, left: lefts[i], top: 0 })))
    .removeAlpha()
    .png()
    .toFile(path);
  return { path, width, height, lefts, widths: tiles.map((t) => t.width) };
}

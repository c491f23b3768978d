/**
 * Choosing faces in a picture with several people: `largest` (the detector's first face, the default),
 * `all`, or a list of indices in left-to-right order of the face boxes (the order `liveportrait crop
 * --list` prints). Faces under a minimum size are skipped with a warning naming them. Isomorphic.
 */
import { OptionError } from '../validate.js';
import { DEFAULTS } from '../settings.js';
import { boxCenter, boxHeight, boxWidth, type Face } from './types.js';

/** Which faces to animate: the largest, all of them, or indices in left-to-right order. */
export type FaceSelection = 'largest' | 'all' | readonly number[];

/** A chosen face and its left-to-right index among the faces found. */
export interface IndexedFace {
  readonly index: number;
  readonly face: Face;
}

export interface FaceChoice {
  readonly faces: readonly IndexedFace[];
  /** Every face found, left to right (what `crop --list` prints). */
  readonly all: readonly IndexedFace[];
  readonly warnings: readonly string[];
}

/** Faces left to right by box centre (ties: top first), each with its index in that order. */
export function facesLeftToRight(faces: readonly Face[]): IndexedFace[] {
  return [...faces]
    .sort((a, b) => boxCenter(a.box)[0] - boxCenter(b.box)[0] || boxCenter(a.box)[1] - boxCenter(b.box)[1])
    .map((face, index) => ({ index, face }));
}

/** "face 1 (120x150 px at 300,80)": how messages name a face. */
export function describeFace(f: IndexedFace): string {
  const [x1, y1] = f.face.box;
  return `face ${f.index} (${Math.round(boxWidth(f.face.box))}x${Math.round(boxHeight(f.face.box))} px at ${Math.round(x1)},${Math.round(y1)})`;
}

/** Parses `largest`, `all` or `0,2` (the CLI's `--faces`), naming `flag` in the error. */
export function parseFaceSelection(text: string, flag = '--faces'): FaceSelection {
  const t = text.trim().toLowerCase();
  if (t === 'largest' || t === 'all') return t;
  const parts = t.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p))) {
    throw new OptionError(flag, `Expected largest, all or comma-separated face indices (left to right, from 0; see liveportrait crop --list) for ${flag} but received '${text}'`);
  }
  return validateFaceSelection(parts.map(Number), flag);
}

/** Checks a library `faces` value. */
export function validateFaceSelection(value: unknown, name = 'faces'): FaceSelection {
  if (value === 'largest' || value === 'all') return value;
  if (Array.isArray(value) && value.length > 0 && value.every((v) => Number.isInteger(v) && v >= 0)) {
    if (new Set(value).size !== value.length) throw new OptionError(name, `Expected distinct face indices for ${name} but received ${value.join(',')}`);
    return value as number[];
  }
  throw new OptionError(name, `Expected 'largest', 'all' or a non-empty list of face indices (integers >= 0) for ${name} but received ${JSON.stringify(value)}`);
}

/** True when the selection is today's single-face default. */
export function isLargestOnly(selection: FaceSelection): boolean {
  return selection === 'largest';
}

/**
 * Picks faces from a detection (`faces` as the detector returns them, largest first). `largest` keeps the
 * detector's first face whatever its size (the single-face behaviour); `all` and indices skip faces under
 * `minFace` pixels with a warning. Throws when an index is out of range or nothing is left.
 */
export function selectFaces(faces: readonly Face[], selection: FaceSelection, options: { minFace?: number; label?: string } = {}): FaceChoice {
  const all = facesLeftToRight(faces);
  const label = options.label ?? 'the image';
  if (selection === 'largest') {
    const largest = all.find((f) => f.face === faces[0]);
    return { faces: largest ? [largest] : [], all, warnings: [] };
  }
  const minFace = options.minFace ?? DEFAULTS.faces.minFace;
  let wanted: IndexedFace[];
  if (selection === 'all') {
    wanted = all;
  } else {
    const bad = selection.find((i) => i >= all.length);
    if (bad !== undefined) {
      throw new OptionError('faces', `Expected face indices below ${all.length} (faces found in ${label}, left to right; see liveportrait crop --list) but received ${bad}`);
    }
    wanted = selection.map((i) => all[i]);
  }
  const warnings: string[] = [];
  const kept = wanted.filter((f) => {
    const small = Math.min(boxWidth(f.face.box), boxHeight(f.face.box)) < minFace;
    if (small) warnings.push(`${describeFace(f)} in ${label} is smaller than --min-face ${minFace} px: skipped`);
    return !small;
  });
  if (kept.length === 0 && wanted.length > 0) {
    throw new OptionError('minFace', `no face of at least ${minFace} px in ${label} (${wanted.length} smaller face${wanted.length === 1 ? '' : 's'} skipped; lower --min-face)`);
  }
  return { faces: kept, all, warnings };
}

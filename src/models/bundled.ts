/**
 * Files shipped inside the package (assets/): the YuNet face detector (MIT), so face detection and
 * cropping work with no download, and a small sample portrait and driving clip for `liveportrait demo`.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Role } from './contract.js';
import { DEFAULT_PACK, type PackFile } from './packs.js';

/** The package's assets/ folder (this module runs from dist/src/models/ in the package). */
export function assetsDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', '..', '..', 'assets'), join(here, '..', '..', 'assets')];
  return candidates.find((dir) => existsSync(join(dir, 'models'))) ?? candidates[0];
}

/** Roles served by a model file bundled with the package (with the default pack's entry for it). */
export const BUNDLED_ROLES: readonly Role[] = ['detector_yunet'];

export interface BundledModel {
  readonly entry: PackFile;
  readonly path: string;
}

/** The bundled model file for `role`, or undefined when the package ships none (or the file is gone). */
export function bundledModel(role: Role): BundledModel | undefined {
  if (!BUNDLED_ROLES.includes(role)) return undefined;
  const entry = DEFAULT_PACK.files.find((f) => f.role === role);
  if (!entry) return undefined;
  const path = join(assetsDirectory(), 'models', entry.file);
  return existsSync(path) ? { entry: { ...entry, origin: 'real' }, path } : undefined;
}

/** The demo's inputs: a portrait and a 2-second driving clip from the LivePortrait examples (MIT). */
export function samplePaths(): { readonly portrait: string; readonly driving: string } {
  const dir = join(assetsDirectory(), 'samples');
  return { portrait: join(dir, 'portrait.jpg'), driving: join(dir, 'driving.mp4') };
}

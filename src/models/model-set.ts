/**
 * Loads everything the pipeline needs from one pack directory, once: the LivePortrait models wrapped
 * per role, plus the face models for the chosen detector. Reports which roles are stand-ins.
 */
import type { Role } from './contract.js';
import { assertRequiredPresent, openPackDirectory, resolveRole, type PackDirectory } from './pack-dir.js';
import { loadModel, readModelFileHeader, type LoadedModel } from './session.js';
import { DETECTOR_ROLES, requiredRoleGroups } from './packs.js';
import { assemblePortraitModels, type AppearanceExtractor, type MotionExtractor, type StitchingModels, type WarpGenerator } from './wrappers.js';
import type { SessionOptions } from '../runtime/onnx.js';
import { DEFAULTS, type DetectorKind, type Precision } from '../settings.js';
import { sha256File } from './hash.js';
import { checkQuantizedMetadata, int8FileName, QuantizedVariantError } from './quantize.js';
import { fileExists } from './pack-dir.js';
import { basename, dirname, join } from 'node:path';

export interface FaceModels {
  readonly detector?: LoadedModel;
  readonly landmark203?: LoadedModel;
  readonly landmark106?: LoadedModel;
  readonly facemesh?: LoadedModel;
}

export interface ModelSet {
  readonly pack: PackDirectory;
  readonly appearance: AppearanceExtractor;
  readonly motion: MotionExtractor;
  readonly warp: WarpGenerator;
  readonly stitching: StitchingModels;
  readonly face: FaceModels;
  readonly detectorKind: DetectorKind;
  /** Roles served by stand-in (or forged) models: results are not real animations. */
  readonly standinRoles: readonly Role[];
  /** Roles served by their int8 variants (precision 'int8'). */
  readonly quantizedRoles: readonly Role[];
  release(): Promise<void>;
}

export interface ModelSetOptions extends SessionOptions {
  readonly detector?: DetectorKind;
  /** 'int8' loads `NAME.int8.onnx` instead of `NAME.onnx` for the quantizable roles that have one. */
  readonly precision?: Precision;
}

const QUANTIZABLE_ROLES: readonly Role[] = DEFAULTS.quantize.roles;

/**
 * The int8 variant of a role's fp32 file, when present; refused (QuantizedVariantError) when its
 * recorded source hash is not the fp32 file's.
 */
export async function resolveInt8Variant(role: Role, fp32Path: string): Promise<{ path: string } | undefined> {
  if (!QUANTIZABLE_ROLES.includes(role)) return undefined;
  const path = join(dirname(fp32Path), int8FileName(basename(fp32Path)));
  if (!(await fileExists(path))) return undefined;
  let metadata: Record<string, string>;
  try {
    metadata = (await readModelFileHeader(path)).metadata;
  } catch {
    throw new QuantizedVariantError(`${path} is not an ONNX model`);
  }
  checkQuantizedMetadata(metadata, path, await sha256File(fp32Path), fp32Path);
  return { path };
}

export { QuantizedVariantError };

/** Loads only the face models of a pack (detector and landmarks) for the chosen detector. */
export async function loadFaceModels(dir: string, options: ModelSetOptions = {}): Promise<FaceModels & { release(): Promise<void> }> {
  const pack = await openPackDirectory(dir);
  const kind = options.detector ?? 'yunet';
  await assertRequiredPresent(pack, requiredRoleGroups(kind, { animation: false }));
  const get = async (role: Role) => {
    const found = await resolveRole(pack, role);
    return found ? loadModel(role, found.path, options) : undefined;
  };
  const models = {
    detector: await get(DETECTOR_ROLES[kind][0]),
    landmark203: await get('landmark203'),
    landmark106: kind === 'insightface' ? await get('landmark106') : undefined,
    facemesh: kind === 'facemesh' ? await get('facemesh') : undefined,
  };
  return {
    ...models,
    async release() {
      await Promise.all(Object.values(models).map((m) => m?.session.release?.()));
    },
  };
}

export async function loadModelSet(dir: string, options: ModelSetOptions = {}): Promise<ModelSet> {
  const pack = await openPackDirectory(dir);
  const detectorKind = options.detector ?? 'yunet';
  await assertRequiredPresent(pack, requiredRoleGroups(detectorKind));
  const loaded: LoadedModel[] = [];
  const quantizedRoles: Role[] = [];
  const load = async (role: Role): Promise<LoadedModel | undefined> => {
    const found = await resolveRole(pack, role);
    if (!found) return undefined;
    const int8 = options.precision === 'int8' ? await resolveInt8Variant(role, found.path) : undefined;
    if (int8) quantizedRoles.push(role);
    const m = await loadModel(role, int8?.path ?? found.path, options);
    const origin = found.entry.origin ?? 'real';
    const model = origin !== 'real' && !m.standin ? { ...m, standin: true } : m;
    loaded.push(model);
    return model;
  };
  const portrait = await assemblePortraitModels(load);
  const face: FaceModels = {
    detector: await load(DETECTOR_ROLES[detectorKind][0]),
    landmark203: await load('landmark203'),
    landmark106: detectorKind === 'insightface' ? await load('landmark106') : undefined,
    facemesh: detectorKind === 'facemesh' ? await load('facemesh') : undefined,
  };
  return {
    pack,
    ...portrait,
    face,
    detectorKind,
    standinRoles: loaded.filter((m) => m.standin).map((m) => m.role),
    quantizedRoles,
    async release() {
      await Promise.all(loaded.map((m) => m.session.release?.()));
    },
  };
}

/** The warning the CLI prints whenever stand-in models are in use. */
export function standinWarning(roles: readonly Role[]): string | undefined {
  if (!roles.length) return undefined;
  return `WARNING: stand-in models in use for ${roles.join(', ')} — these are small generated graphs with no trained weights; the output is not a real animation.`;
}

/** The one line a run prints when it uses int8 (which roles are quantized, which stay fp32). */
export function precisionNotice(precision: Precision | undefined, quantizedRoles: readonly Role[]): string | undefined {
  if (precision !== 'int8') return undefined;
  if (!quantizedRoles.length) return 'precision int8: this pack has no int8 variants (run `liveportrait models quantize`); every model runs in fp32';
  const fp32 = QUANTIZABLE_ROLES.filter((r) => !quantizedRoles.includes(r));
  return `precision int8: ${quantizedRoles.join(', ')} run their int8 variants (*.int8.onnx)${fp32.length ? `; ${fp32.join(', ')} stay fp32 (no variant)` : ''}; other roles fp32`;
}

/**
 * Loads everything the pipeline needs from one pack directory, once: the LivePortrait models wrapped
 * per role, plus the face models for the chosen detector. Reports which roles are stand-ins.
 */
import type { Role } from './contract.js';
import { assertRequiredPresent, openPackDirectory, resolveRole, type PackDirectory } from './pack-dir.js';
import { loadModel, type LoadedModel } from './session.js';
import { DETECTOR_ROLES, requiredRoleGroups } from './packs.js';
import { assemblePortraitModels, type AppearanceExtractor, type MotionExtractor, type StitchingModels, type WarpGenerator } from './wrappers.js';
import type { SessionOptions } from '../runtime/onnx.js';
import type { DetectorKind } from '../settings.js';

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
  release(): Promise<void>;
}

export interface ModelSetOptions extends SessionOptions {
  readonly detector?: DetectorKind;
}

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
  const load = async (role: Role): Promise<LoadedModel | undefined> => {
    const found = await resolveRole(pack, role);
    if (!found) return undefined;
    const m = await loadModel(role, found.path, options);
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

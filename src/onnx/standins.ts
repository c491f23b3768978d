/**
 * Stand-in models: small, deterministic, real ONNX graphs with exactly the input/output contract of each
 * model role, so the whole pipeline runs offline (tests, demos) on the real runtime. They carry no
 * trained weights: each one does something simple that keeps the pipeline's data flow visible (the
 * rendered picture moves with the keypoints, poses and landmarks change with the image). Every file is
 * marked with the metadata `liveportrait.standin = true` and says so in its docString.
 */
import { ROLES, type Role } from '../models/contract.js';
import { STANDIN_METADATA_KEY } from '../models/contract.js';
import type { StandinGraph } from './standin/graph-helpers.js';
import { appearanceStandin, motionStandin } from './standin/appearance-motion.js';
import { spadeGeneratorStandin, warpingSpadeStandin, warpingStandin } from './standin/warping.js';
import { retargetEyeStandin, retargetLipStandin, stitchingStandin } from './standin/mlp.js';
import { facemeshStandin, landmark106Standin, landmark203Standin } from './standin/landmarks.js';
import { scrfdStandin, yunetStandin } from './standin/detectors.js';

/** Every role has a stand-in. */
export const STANDIN_ROLES: readonly Role[] = ROLES;

const FILE_NAMES: Readonly<Record<Role, string>> = {
  appearance: 'appearance_feature_extractor.onnx',
  motion: 'motion_extractor.onnx',
  warping_spade: 'warping_spade.onnx',
  warping: 'warping_module.onnx',
  spade_generator: 'spade_generator.onnx',
  stitching: 'stitching.onnx',
  retarget_eye: 'stitching_eye.onnx',
  retarget_lip: 'stitching_lip.onnx',
  landmark203: 'landmark.onnx',
  detector_yunet: 'yunet_n_640_640.onnx',
  detector_scrfd: 'det_10g.onnx',
  landmark106: '2d106det.onnx',
  facemesh: 'face_landmarks_detector_Nx3x256x256.onnx',
};

const BUILDERS: Readonly<Record<Role, () => StandinGraph>> = {
  appearance: appearanceStandin,
  motion: motionStandin,
  warping_spade: warpingSpadeStandin,
  warping: warpingStandin,
  spade_generator: spadeGeneratorStandin,
  stitching: stitchingStandin,
  retarget_eye: retargetEyeStandin,
  retarget_lip: retargetLipStandin,
  landmark203: landmark203Standin,
  detector_yunet: yunetStandin,
  detector_scrfd: scrfdStandin,
  landmark106: landmark106Standin,
  facemesh: facemeshStandin,
};

/** The usual file name of the role's real model (FasterLivePortrait / insightface / MediaPipe naming). */
export function standinFileName(role: Role): string {
  const name = FILE_NAMES[role];
  if (!name) throw new RangeError(`Expected a model role (${ROLES.join(', ')}) but received '${String(role)}'`);
  return name;
}

/** Builds the role's stand-in model as ONNX bytes; the same role always gives the same bytes. */
export function buildStandin(role: Role): Uint8Array {
  const build = BUILDERS[role];
  if (!build) throw new RangeError(`Expected a model role (${ROLES.join(', ')}) but received '${String(role)}'`);
  const { graph, behaviour, opset } = build();
  return graph.build({
    opset: opset ?? 17,
    docString: `Stand-in for ${standinFileName(role)} (role '${role}'), with no trained weights: a generated graph with the real input/output contract for offline tests and demos. Behaviour: ${behaviour}`,
    metadata: { [STANDIN_METADATA_KEY]: 'true', 'liveportrait.role': role },
  });
}

/**
 * The input/output contract of each model role: names and shapes exactly as in the public ONNX exports
 * (FasterLivePortrait layout for LivePortrait's own models). A dimension given as a string is dynamic.
 * Model wrappers check a loaded file against this contract; stand-in models are generated to match it.
 */

export type Dim = number | string;

export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly Dim[];
}

export interface RoleContract {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
}

export const ROLES = [
  'appearance',
  'motion',
  'warping_spade',
  'warping',
  'spade_generator',
  'stitching',
  'retarget_eye',
  'retarget_lip',
  'landmark203',
  'detector_yunet',
  'detector_scrfd',
  'landmark106',
  'facemesh',
] as const;
export type Role = (typeof ROLES)[number];

const FEATURE_3D: TensorSpec = { name: 'feature_3d', shape: [1, 32, 16, 64, 64] };
const KP_DRIVING: TensorSpec = { name: 'kp_driving', shape: [1, 21, 3] };
const KP_SOURCE: TensorSpec = { name: 'kp_source', shape: [1, 21, 3] };

export const CONTRACTS: Readonly<Record<Role, RoleContract>> = {
  appearance: {
    inputs: [{ name: 'img', shape: [1, 3, 256, 256] }],
    outputs: [{ name: 'output', shape: [1, 32, 16, 64, 64] }],
  },
  motion: {
    inputs: [{ name: 'img', shape: [1, 3, 256, 256] }],
    outputs: [
      { name: 'pitch', shape: [1, 66] },
      { name: 'yaw', shape: [1, 66] },
      { name: 'roll', shape: [1, 66] },
      { name: 't', shape: [1, 3] },
      { name: 'exp', shape: [1, 63] },
      { name: 'scale', shape: [1, 1] },
      { name: 'kp', shape: [1, 63] },
    ],
  },
  /** Warping module and SPADE generator fused (FasterLivePortrait's warping_spade.onnx). */
  warping_spade: {
    inputs: [FEATURE_3D, KP_DRIVING, KP_SOURCE],
    outputs: [{ name: 'out', shape: [1, 3, 512, 512] }],
  },
  /** Split warping module (ailia layout). */
  warping: {
    inputs: [FEATURE_3D, KP_SOURCE, KP_DRIVING],
    outputs: [
      { name: 'out', shape: [1, 256, 64, 64] },
      { name: 'occlusion_map', shape: [1, 1, 64, 64] },
      { name: 'deformation', shape: [1, 16, 64, 64, 3] },
    ],
  },
  /** Split SPADE generator (ailia layout). */
  spade_generator: {
    inputs: [{ name: 'feature', shape: [1, 256, 64, 64] }],
    outputs: [{ name: 'out', shape: [1, 3, 512, 512] }],
  },
  stitching: {
    inputs: [{ name: 'input', shape: [1, 126] }],
    outputs: [{ name: 'output', shape: [1, 65] }],
  },
  retarget_eye: {
    inputs: [{ name: 'input', shape: [1, 66] }],
    outputs: [{ name: 'output', shape: [1, 63] }],
  },
  retarget_lip: {
    inputs: [{ name: 'input', shape: [1, 65] }],
    outputs: [{ name: 'output', shape: [1, 63] }],
  },
  landmark203: {
    inputs: [{ name: 'input', shape: [1, 3, 224, 224] }],
    outputs: [
      { name: 'output', shape: [1, 214] },
      { name: '853', shape: [1, 262] },
      { name: '856', shape: [1, 406] },
    ],
  },
  detector_yunet: {
    inputs: [{ name: 'input', shape: [1, 3, 640, 640] }],
    outputs: [
      ...[8, 16, 32].map((s) => ({ name: `cls_${s}`, shape: [1, (640 / s) ** 2, 1] })),
      ...[8, 16, 32].map((s) => ({ name: `obj_${s}`, shape: [1, (640 / s) ** 2, 1] })),
      ...[8, 16, 32].map((s) => ({ name: `bbox_${s}`, shape: [1, (640 / s) ** 2, 4] })),
      ...[8, 16, 32].map((s) => ({ name: `kps_${s}`, shape: [1, (640 / s) ** 2, 10] })),
    ],
  },
  /**
   * SCRFD with 5 keypoints (det_10g / scrfd_2.5g_bnkps). Output names differ between the two exports,
   * so only their count and trailing sizes are part of the contract: 3 score (·×1), 3 box (·×4),
   * 3 keypoint (·×10) tensors, strides 8/16/32 in that order.
   */
  detector_scrfd: {
    inputs: [{ name: 'input.1', shape: [1, 3, 'height', 'width'] }],
    outputs: [
      ...[8, 16, 32].map((s) => ({ name: `*score_${s}`, shape: ['anchors', 1] })),
      ...[8, 16, 32].map((s) => ({ name: `*bbox_${s}`, shape: ['anchors', 4] })),
      ...[8, 16, 32].map((s) => ({ name: `*kps_${s}`, shape: ['anchors', 10] })),
    ],
  },
  landmark106: {
    inputs: [{ name: 'data', shape: [1, 3, 192, 192] }],
    outputs: [{ name: 'fc1', shape: [1, 212] }],
  },
  /**
   * MediaPipe face landmarks (478 points with iris), 256x256 input; outputs: landmarks, face presence,
   * tongue flag (names `Identity`, `Identity_1`, `Identity_2` in the published export).
   */
  facemesh: {
    inputs: [{ name: '*input', shape: ['batch', 3, 256, 256] }],
    outputs: [
      { name: '*landmarks', shape: ['batch', 1, 1, 1434] },
      { name: '*presence', shape: ['batch', 1, 1, 1] },
      { name: '*tongue', shape: ['batch', 1, 1, 1] },
    ],
  },
};

/** Metadata key that marks a generated stand-in (or forged) model. */
export const STANDIN_METADATA_KEY = 'liveportrait.standin';

/** A name starting with '*' is a placeholder: the position and shape are checked, not the name. */
export function isWildcardName(name: string): boolean {
  return name.startsWith('*');
}

export interface SignatureMismatch {
  readonly message: string;
}

export interface ObservedTensor {
  readonly name: string;
  readonly shape: readonly Dim[] | undefined;
}

function dimsCompatible(expected: Dim, actual: Dim | undefined): boolean {
  if (typeof expected === 'string') return true; // dynamic in the contract: anything goes
  if (actual === undefined || typeof actual === 'string' || actual === -1) return true; // dynamic in the file
  return expected === actual;
}

function fmtShape(shape: readonly Dim[] | undefined): string {
  return shape ? `[${shape.map((d) => (d === '' ? '?' : d)).join(',')}]` : '[?]';
}

function compareList(kind: 'input' | 'output', expected: readonly TensorSpec[], actual: readonly ObservedTensor[]): string[] {
  const problems: string[] = [];
  const wildcards = expected.every((e) => isWildcardName(e.name));
  if (wildcards) {
    if (actual.length !== expected.length) {
      problems.push(`expected ${expected.length} ${kind}s but the file has ${actual.length}`);
      return problems;
    }
    expected.forEach((e, i) => {
      const a = actual[i];
      if (a.shape && a.shape.length !== e.shape.length) {
        problems.push(`${kind} #${i} '${a.name}' has rank ${a.shape.length}, expected ${fmtShape(e.shape)}`);
      } else if (a.shape && !e.shape.every((d, j) => dimsCompatible(d, a.shape?.[j]))) {
        problems.push(`${kind} #${i} '${a.name}' has shape ${fmtShape(a.shape)}, expected ${fmtShape(e.shape)}`);
      }
    });
    return problems;
  }
  for (const e of expected) {
    const a = actual.find((t) => t.name === e.name);
    if (!a) {
      problems.push(`missing ${kind} '${e.name}' (file has ${actual.map((t) => `'${t.name}'`).join(', ') || 'none'})`);
      continue;
    }
    if (a.shape && a.shape.length !== e.shape.length) {
      problems.push(`${kind} '${e.name}' has shape ${fmtShape(a.shape)}, expected ${fmtShape(e.shape)}`);
    } else if (a.shape && !e.shape.every((d, j) => dimsCompatible(d, a.shape?.[j]))) {
      problems.push(`${kind} '${e.name}' has shape ${fmtShape(a.shape)}, expected ${fmtShape(e.shape)}`);
    }
  }
  return problems;
}

/** Compares a file's observed signature with the role's contract; returns human-readable problems (empty = OK). */
export function checkSignature(
  role: Role,
  inputs: readonly ObservedTensor[],
  outputs: readonly ObservedTensor[],
): string[] {
  const c = CONTRACTS[role];
  return [...compareList('input', c.inputs, inputs), ...compareList('output', c.outputs, outputs)];
}

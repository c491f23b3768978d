/**
 * Model packs: which file serves which role, its published sha256, licence and mirrors.
 * The default pack is the FasterLivePortrait ONNX layout (the public hashes below were published
 * with it). A pack directory may carry its own manifest (`pack.json`, written for stand-in and forged
 * packs); a directory without one is read with the default pack's manifest.
 */
import type { DetectorKind } from '../settings.js';
import type { Role } from './contract.js';

export const PACK_MANIFEST_FILE = 'pack.json';
export const PACK_FORMAT = 'liveportrait-ts/pack@1';

export type PackKind = 'real' | 'standin' | 'forged';

export interface PackFile {
  readonly role: Role;
  /** File name inside the pack directory. */
  readonly file: string;
  /** Expected sha256 (lower-case hex). */
  readonly sha256: string;
  /** Other published exports of the same model that are accepted as real. */
  readonly altSha256?: readonly string[];
  /** Approximate size, for progress display before a download starts. */
  readonly sizeBytes?: number;
  readonly licence: string;
  /** Full download URLs, tried in order. */
  readonly urls: readonly string[];
  /** Whether `models download` fetches it by default. */
  readonly defaultDownload: boolean;
  readonly note?: string;
  /** What the file is; absent = a real trained model. */
  readonly origin?: 'real' | 'standin' | 'forged';
}

export interface PackManifest {
  readonly format: typeof PACK_FORMAT;
  readonly name: string;
  readonly kind: PackKind;
  readonly description: string;
  readonly files: readonly PackFile[];
}

const HF_FLP = 'https://huggingface.co/warmshao/FasterLivePortrait/resolve/main/liveportrait_onnx';
const GH_LP = 'https://github.com/visomaster/visomaster-assets/releases/download/v0.1.0_lp';
const GH_FACE = 'https://github.com/visomaster/visomaster-assets/releases/download/v0.1.0';

const NON_COMMERCIAL = 'InsightFace model: non-commercial research use only';

/** The default pack: FasterLivePortrait's ONNX files plus the YuNet detector (MIT, commercially usable). */
export const DEFAULT_PACK: PackManifest = {
  format: PACK_FORMAT,
  name: 'flp',
  kind: 'real',
  description: 'LivePortrait ONNX models in the FasterLivePortrait layout, YuNet face detector, optional InsightFace and MediaPipe models',
  files: [
    {
      role: 'appearance',
      file: 'appearance_feature_extractor.onnx',
      sha256: 'dbbbb44e4bba12302d7137bdee6a0f249b45fb6dd879509fd5baa27d70c40e32',
      sizeBytes: 3_400_000,
      licence: 'MIT (LivePortrait)',
      urls: [`${HF_FLP}/appearance_feature_extractor.onnx`, `${GH_LP}/appearance_feature_extractor.onnx`],
      defaultDownload: true,
    },
    {
      role: 'motion',
      file: 'motion_extractor.onnx',
      sha256: '99d4b3c9dd3fd301910de9415a29560e38c0afaa702da51398281376cc36fdd3',
      sizeBytes: 113_000_000,
      licence: 'MIT (LivePortrait)',
      urls: [`${HF_FLP}/motion_extractor.onnx`, `${GH_LP}/motion_extractor.onnx`],
      defaultDownload: true,
    },
    {
      role: 'warping_spade',
      file: 'warping_spade.onnx',
      sha256: 'd6ee9af4352b47e88e0521eba6b774c48204afddc8d91c671a5f7b8a0dfb4971',
      sizeBytes: 386_000_000,
      licence: 'MIT (LivePortrait)',
      urls: [`${HF_FLP}/warping_spade.onnx`, `${GH_LP}/warping_spade.onnx`],
      defaultDownload: true,
      note: 'warping module and SPADE generator fused',
    },
    {
      role: 'stitching',
      file: 'stitching.onnx',
      sha256: '43598e9747a19f4c55d8e1604fb7d7fa70ab22377d129cb7d1fe38c9a737cc79',
      sizeBytes: 190_000,
      licence: 'MIT (LivePortrait)',
      urls: [`${HF_FLP}/stitching.onnx`, `${GH_LP}/stitching.onnx`],
      defaultDownload: true,
    },
    {
      role: 'retarget_eye',
      file: 'stitching_eye.onnx',
      sha256: '251004fe4a994c57c8cd9f2c50f3d89feb289fb42e6bc3af74470a3a9fa7d83b',
      altSha256: ['b9a2086c4d757c9be71b9b290d020678406da6a33c6247252c4bb0aeeff48afc'],
      sizeBytes: 590_000,
      licence: 'MIT (LivePortrait)',
      urls: [`${HF_FLP}/stitching_eye.onnx`, `${GH_LP}/stitching_eye.onnx`],
      defaultDownload: true,
    },
    {
      role: 'retarget_lip',
      file: 'stitching_lip.onnx',
      sha256: '1ca793eac4b0dc5464f1716cdaa62e595c2c2272c9971a444e39c164578dc34b',
      sizeBytes: 160_000,
      licence: 'MIT (LivePortrait)',
      urls: [`${HF_FLP}/stitching_lip.onnx`, `${GH_LP}/stitching_lip.onnx`],
      defaultDownload: true,
    },
    {
      role: 'landmark203',
      file: 'landmark.onnx',
      sha256: '31d22a5041326c31f19b78886939a634a5aedcaa5ab8b9b951a1167595d147db',
      sizeBytes: 115_000_000,
      licence: 'MIT (LivePortrait)',
      urls: [`${HF_FLP}/landmark.onnx`, `${GH_FACE}/landmark.onnx`],
      defaultDownload: true,
      note: '203-point landmarks: crop tracking, eye/lip ratios',
    },
    {
      role: 'detector_yunet',
      file: 'yunet_n_640_640.onnx',
      sha256: '9e65c0213faef0173a3d2e05156b4bf44a45cde598bdabb69203da4a6b7ad61e',
      sizeBytes: 230_000,
      licence: 'MIT (YuNet, OpenCV zoo)',
      urls: [`${GH_FACE}/yunet_n_640_640.onnx`],
      defaultDownload: true,
      note: 'default face detector, commercially usable',
    },
    {
      role: 'detector_scrfd',
      file: 'det_10g.onnx',
      sha256: '5838f7fe053675b1c7a08b633df49e7af5495cee0493c7dcf6697200b85b5b91',
      sizeBytes: 16_900_000,
      licence: NON_COMMERCIAL,
      urls: [`${HF_FLP}/det_10g.onnx`, `${GH_FACE}/det_10g.onnx`],
      defaultDownload: false,
      note: '--det insightface',
    },
    {
      role: 'detector_scrfd',
      file: 'scrfd_2.5g_bnkps.onnx',
      sha256: 'bc24bb349491481c3ca793cf89306723162c280cb284c5a5e49df3760bf5c2ce',
      sizeBytes: 3_300_000,
      licence: NON_COMMERCIAL,
      urls: [`${GH_FACE}/scrfd_2.5g_bnkps.onnx`],
      defaultDownload: false,
      note: '--det insightface (smaller SCRFD, same decoding as det_10g)',
    },
    {
      role: 'landmark106',
      file: '2d106det.onnx',
      sha256: 'f001b856447c413801ef5c42091ed0cd516fcd21f2d6b79635b1e733a7109dbf',
      sizeBytes: 5_000_000,
      licence: NON_COMMERCIAL,
      urls: [`${HF_FLP}/2d106det.onnx`, `${GH_FACE}/2d106det.onnx`],
      defaultDownload: false,
      note: '--det insightface',
    },
    {
      role: 'facemesh',
      file: 'face_landmarks_detector_Nx3x256x256.onnx',
      sha256: '6d7932bdefc38871f57dd915b8c723d855e599f29cf4cdf19616fb35d0ed572e',
      sizeBytes: 4_800_000,
      licence: 'Apache-2.0 (MediaPipe)',
      urls: [`${GH_FACE}/face_landmarks_detector_Nx3x256x256.onnx`],
      defaultDownload: false,
      note: '--det facemesh',
    },
  ],
};

export const BUILTIN_PACKS: readonly PackManifest[] = [DEFAULT_PACK];

export function findBuiltinPack(name: string): PackManifest | undefined {
  return BUILTIN_PACKS.find((p) => p.name === name);
}

/** Roles the animation pipeline cannot run without; each entry is a set of alternatives. */
export const REQUIRED_ROLE_GROUPS: readonly (readonly Role[][])[] = [
  [['appearance']],
  [['motion']],
  [['warping_spade'], ['warping', 'spade_generator']],
  [['stitching']],
];

/** The models each face detector needs (the first is the detector itself). */
export const DETECTOR_ROLES: Readonly<Record<DetectorKind, readonly Role[]>> = {
  yunet: ['detector_yunet'],
  insightface: ['detector_scrfd', 'landmark106'],
  facemesh: ['detector_yunet', 'facemesh'],
};

/**
 * The one definition of "required": what loading a pack for a job checks and what `models verify`
 * reports. Each group is a list of alternatives, each alternative a set of roles that must all be there.
 */
export function requiredRoleGroups(detector: DetectorKind, options: { animation?: boolean } = {}): Role[][][] {
  const animation = (options.animation ?? true) ? REQUIRED_ROLE_GROUPS.map((g) => g.map((a) => [...a])) : [];
  return [...animation, ...DETECTOR_ROLES[detector].map((r) => [[r]])];
}

/**
 * A pack file name must be a plain name inside the pack folder: no folder separators, not '.' or '..',
 * not absolute, no NUL. Anything else could make a download write, or a load read, outside the pack.
 */
export function isPlainFileName(name: unknown): name is string {
  return typeof name === 'string' && name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name) && !/^[a-zA-Z]:/.test(name);
}

export class PackFileNameError extends Error {
  constructor(
    readonly source: string,
    readonly file: unknown,
  ) {
    const shown = typeof file === 'string' ? JSON.stringify(file.length > 40 ? `${file.slice(0, 40)}…` : file) : String(file);
    super(`${source}: file name ${shown} is not a plain file name (no folders, '..' or absolute paths): pack files must sit in the pack folder`);
    this.name = 'PackFileNameError';
  }
}

/** Validates a parsed manifest object (e.g. read from pack.json). */
export function parseManifest(value: unknown, source: string): PackManifest {
  const m = value as Partial<PackManifest> | null;
  if (!m || typeof m !== 'object' || m.format !== PACK_FORMAT || !Array.isArray(m.files) || typeof m.name !== 'string') {
    throw new Error(`${source} is not a model pack manifest (expected format '${PACK_FORMAT}')`);
  }
  for (const [i, f] of m.files.entries()) {
    if (!f || typeof f.file !== 'string' || typeof f.role !== 'string' || typeof f.sha256 !== 'string') {
      throw new Error(`${source}: files[${i}] needs role, file and sha256`);
    }
    if (!isPlainFileName(f.file)) throw new PackFileNameError(source, f.file);
  }
  return { ...(m as PackManifest), kind: m.kind ?? 'real', description: m.description ?? '' };
}

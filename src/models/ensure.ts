/**
 * First run: make sure a pack directory holds what a run needs, downloading the missing files of its
 * manifest (sizes announced first, resumable, sha256-verified) unless offline mode is on, in which case
 * the run fails naming the files.
 */
import { join } from 'node:path';
import type { DetectorKind } from '../settings.js';
import { bundledModel } from './bundled.js';
import { downloadFile, type DownloadProgress } from './download.js';
import { fileExists, missingRequired, openPackDirectory, MissingModelsError, type PackDirectory } from './pack-dir.js';
import { requiredRoleGroups, type PackFile } from './packs.js';

/** True when LIVEPORTRAIT_OFFLINE asks for no downloads ('1', 'true', 'yes'). */
export function offlineFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(1|true|yes|on)$/i.test(env.LIVEPORTRAIT_OFFLINE ?? '');
}

export interface EnsureModelsOptions {
  /** The face detector the run uses (its roles are required too); default yunet. */
  readonly detector?: DetectorKind;
  /** Whether the animation roles (F, M, W+G, stitching) are needed; default true. */
  readonly animation?: boolean;
  /** Never download: fail naming the files instead. */
  readonly offline?: boolean;
  /** Base URL to fetch files from instead of the published hosts (`${mirror}/${file}`). */
  readonly mirror?: string;
  readonly signal?: AbortSignal;
  /** Called once before the first byte, with every file that will be fetched (sizes for the user). */
  readonly onPlan?: (files: readonly PackFile[], dir: string) => void;
  readonly onProgress?: (progress: DownloadProgress) => void;
  readonly onFile?: (entry: PackFile, result: 'downloaded' | 'present') => void;
}

/** Files the pack's manifest downloads by default that are neither in the directory nor bundled. */
async function missingDefaults(pack: PackDirectory): Promise<PackFile[]> {
  const out: PackFile[] = [];
  for (const entry of pack.manifest.files) {
    if (!entry.defaultDownload || bundledModel(entry.role)?.entry.file === entry.file) continue;
    if (!(await fileExists(join(pack.dir, entry.file)))) out.push(entry);
  }
  return out;
}

/**
 * Downloads what a run needs when it is missing: nothing happens when the required roles are present.
 * When they are not, every missing required file and every missing default-download file of the
 * pack is fetched. Returns the files fetched.
 */
export async function ensureModels(dir: string, options: EnsureModelsOptions = {}): Promise<PackFile[]> {
  const pack = await openPackDirectory(dir);
  const required = await missingRequired(pack, requiredRoleGroups(options.detector ?? 'yunet', { animation: options.animation ?? true }));
  if (!required.length) return [];
  const wanted = [...required];
  for (const entry of await missingDefaults(pack)) if (!wanted.includes(entry)) wanted.push(entry);
  if (options.offline) throw new MissingModelsError(pack.dir, wanted, 'offline mode (--offline or LIVEPORTRAIT_OFFLINE=1), nothing downloaded');
  const unreachable = options.mirror ? [] : wanted.filter((f) => !f.urls.length);
  if (unreachable.length) throw new MissingModelsError(pack.dir, wanted, `no download source for ${unreachable.map((f) => f.file).join(', ')} (give --mirror URL)`);
  options.onPlan?.(wanted, pack.dir);
  for (const entry of wanted) {
    const result = await downloadFile(pack.dir, entry, { mirror: options.mirror, signal: options.signal, onProgress: options.onProgress });
    options.onFile?.(entry, result);
  }
  return wanted;
}

/**
 * Writes a complete stand-in pack: every role as a small generated ONNX model (see src/onnx/standins.ts),
 * optionally replaced by real files from another folder where their hashes verify. The face detector is
 * always the real YuNet bundled with the package (a stand-in detector cannot find a face).
 */
import { mkdir, rm } from 'node:fs/promises';
import { copyFileAtomic, writeFileAtomic } from '../io/partial-file.js';
import { join } from 'node:path';
import { STANDIN_ROLES, buildStandin, standinFileName } from '../onnx/standins.js';
import { sha256Bytes, sha256File } from './hash.js';
import { DEFAULT_PACK, PACK_FORMAT, PACK_MANIFEST_FILE, type PackFile, type PackManifest } from './packs.js';
import { fileExists } from './pack-dir.js';
import type { Role } from './contract.js';
import { BUNDLED_ROLES, bundledModel } from './bundled.js';

export interface StandinPackOptions {
  /** A folder of real model files: each one whose sha256 matches the default pack replaces the stand-in. */
  readonly real?: string;
  readonly onFile?: (file: string, origin: 'standin' | 'real') => void;
  /** Files already in the directory (e.g. forged models) that serve their roles instead of a stand-in. */
  readonly keep?: readonly PackFile[];
  /** Pack name and kind written to pack.json. */
  readonly name?: string;
  readonly kind?: PackManifest['kind'];
}

interface RealFile {
  readonly entry: PackFile;
  /** Where to copy it from. */
  readonly path: string;
}

/** Real files in `dir` whose hashes match the default pack, then the models bundled with the package. */
async function realFiles(dir: string | undefined): Promise<Map<Role, RealFile>> {
  const found = new Map<Role, RealFile>();
  for (const entry of DEFAULT_PACK.files) {
    if (!dir || found.has(entry.role)) continue;
    const path = join(dir, entry.file);
    if (!(await fileExists(path))) continue;
    const hash = await sha256File(path);
    if (hash === entry.sha256 || (entry.altSha256 ?? []).includes(hash)) found.set(entry.role, { entry: { ...entry, sha256: hash, origin: 'real' }, path });
  }
  for (const role of BUNDLED_ROLES) {
    const bundled = bundledModel(role);
    if (bundled && !found.has(role)) found.set(role, bundled);
  }
  return found;
}

export async function writeStandinPack(dir: string, options: StandinPackOptions = {}): Promise<PackManifest> {
  await mkdir(dir, { recursive: true });
  const real = await realFiles(options.real);
  // The appearance features and the warping model are a pair: a trained feature volume means nothing to
  // the stand-in warping (which reads the picture from its first channels), so a real F is only taken
  // together with a real W+G.
  const keptRoles = new Set((options.keep ?? []).map((f) => f.role));
  const warpReal = real.has('warping_spade') || (real.has('warping') && real.has('spade_generator')) || keptRoles.has('warping_spade');
  if (!warpReal) real.delete('appearance');
  const files: PackFile[] = [...(options.keep ?? [])];
  const kept = new Set(files.map((f) => f.role));
  for (const role of STANDIN_ROLES) {
    if (kept.has(role)) continue;
    const realFile = real.get(role);
    if (realFile) {
      await copyFileAtomic(realFile.path, join(dir, realFile.entry.file));
      files.push(realFile.entry);
      options.onFile?.(realFile.entry.file, 'real');
      continue;
    }
    const file = standinFileName(role);
    const bytes = buildStandin(role);
    await writeFileAtomic(join(dir, file), bytes);
    files.push({
      role,
      file,
      sha256: sha256Bytes(bytes),
      sizeBytes: bytes.length,
      licence: 'MIT (generated stand-in)',
      urls: [],
      defaultDownload: false,
      origin: 'standin',
      note: 'stand-in: generated graph with the real input/output contract, no trained weights',
    });
    options.onFile?.(file, 'standin');
  }
  const manifest: PackManifest = {
    format: PACK_FORMAT,
    name: options.name ?? 'standin',
    kind: options.kind ?? 'standin',
    description:
      (options.kind === 'forged'
        ? 'forged real-architecture models (random weights) for benchmarks, stand-ins for the other roles'
        : 'stand-in models (generated, no trained weights) for offline tests') + (real.size ? `; real files for ${[...real.keys()].join(', ')}` : ''),
    files,
  };
  await rm(join(dir, PACK_MANIFEST_FILE), { force: true });
  await writeFileAtomic(join(dir, PACK_MANIFEST_FILE), new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
  return manifest;
}

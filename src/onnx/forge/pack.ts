/**
 * Writing forged models to a directory (Node only): each file atomically (temporary name, then rename),
 * plus `forge.json` listing file, role, seed, sha256 and parameter count.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../io/partial-file.js';
import { join } from 'node:path';
import { sha256Bytes } from '../../models/hash.js';
import { expectInteger, expectOneOf, OptionError } from '../../validate.js';
import { DEFAULT_FORGE_SEED, FORGE_ROLES, FORGE_FILE_NAMES, FORGED_DOC_STRING, forgeModel, type ForgeRole } from './models.js';

export const FORGE_MANIFEST_FILE = 'forge.json';
export const FORGE_MANIFEST_FORMAT = 'liveportrait-ts/forge@1';

/** Roles written when none are asked for: the FasterLivePortrait layout (fused warping_spade). */
export const DEFAULT_FORGE_ROLES: readonly ForgeRole[] = ['appearance', 'motion', 'warping_spade'];

export interface ForgedFileEntry {
  readonly file: string;
  readonly role: ForgeRole;
  readonly seed: number;
  readonly sha256: string;
  readonly sizeBytes: number;
  /** Trainable parameters, PyTorch convention (the published model sizes). */
  readonly parameterCount: number;
}

export interface ForgeManifest {
  readonly format: typeof FORGE_MANIFEST_FORMAT;
  readonly description: string;
  readonly files: readonly ForgedFileEntry[];
}

export interface ForgeProgress {
  readonly phase: 'building' | 'written';
  readonly role: ForgeRole;
  readonly file: string;
  /** 0-based position among the files of this call, and their count. */
  readonly index: number;
  readonly total: number;
  /** Set when phase is 'written'. */
  readonly entry?: ForgedFileEntry;
  /** Seconds spent building and writing this file (phase 'written'). */
  readonly seconds?: number;
}

export interface WriteForgedPackOptions {
  readonly seed?: number;
  readonly roles?: readonly ForgeRole[];
  readonly onProgress?: (progress: ForgeProgress) => void;
}

async function readManifest(path: string): Promise<ForgedFileEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  try {
    const parsed = JSON.parse(text) as Partial<ForgeManifest>;
    return parsed.format === FORGE_MANIFEST_FORMAT && Array.isArray(parsed.files) ? [...parsed.files] : [];
  } catch {
    return [];
  }
}

function validateRoles(roles: readonly unknown[]): ForgeRole[] {
  if (roles.length === 0) throw new OptionError('roles', `Expected at least one of ${FORGE_ROLES.join(', ')} for roles but received none`);
  return [...new Set(roles.map((r) => expectOneOf('roles', r, FORGE_ROLES)))];
}

/**
 * Forges the models of `roles` (default DEFAULT_FORGE_ROLES) into `dir` (created if missing), one at a
 * time to bound memory, and writes or updates `forge.json` (entries of other files already listed stay).
 */
export async function writeForgedPack(dir: string, options: WriteForgedPackOptions = {}): Promise<ForgeManifest> {
  const seed = expectInteger('seed', options.seed ?? DEFAULT_FORGE_SEED, 0, 0xffffffff);
  const roles = validateRoles(options.roles ?? DEFAULT_FORGE_ROLES);
  await mkdir(dir, { recursive: true });
  const manifestPath = join(dir, FORGE_MANIFEST_FILE);
  const entries = new Map((await readManifest(manifestPath)).map((e) => [e.file, e]));
  for (const [index, role] of roles.entries()) {
    const file = FORGE_FILE_NAMES[role];
    options.onProgress?.({ phase: 'building', role, file, index, total: roles.length });
    const started = performance.now();
    const model = forgeModel(role, { seed });
    await writeFileAtomic(join(dir, file), model.bytes);
    const entry: ForgedFileEntry = {
      file,
      role,
      seed,
      sha256: sha256Bytes(model.bytes),
      sizeBytes: model.bytes.length,
      parameterCount: model.parameterCount,
    };
    entries.set(file, entry);
    options.onProgress?.({ phase: 'written', role, file, index, total: roles.length, entry, seconds: (performance.now() - started) / 1000 });
  }
  const manifest: ForgeManifest = {
    format: FORGE_MANIFEST_FORMAT,
    description: FORGED_DOC_STRING,
    files: [...entries.values()].sort((a, b) => FORGE_ROLES.indexOf(a.role) - FORGE_ROLES.indexOf(b.role)),
  };
  await writeFileAtomic(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

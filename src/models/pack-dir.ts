/**
 * A pack on disk: its manifest (the directory's pack.json, or the default pack's) and the state of
 * each file. Resolving a role to a file goes through here.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Role } from './contract.js';
import { bundledModel } from './bundled.js';
import { DEFAULT_PACK, PACK_MANIFEST_FILE, PackFileNameError, findBuiltinPack, isPlainFileName, requiredRoleGroups, parseManifest, type PackFile, type PackManifest } from './packs.js';
import { describeJsonSyntaxError } from '../validate.js';

export interface PackDirectory {
  readonly dir: string;
  readonly manifest: PackManifest;
  /** True when the manifest came from the directory's own pack.json. */
  readonly ownManifest: boolean;
}

export async function openPackDirectory(dir: string, packName?: string): Promise<PackDirectory> {
  const manifestPath = join(dir, PACK_MANIFEST_FILE);
  let text: string | undefined;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new Error(`${manifestPath} is not valid JSON (${describeJsonSyntaxError(err, text)})`);
    }
    return { dir, manifest: parseManifest(parsed, manifestPath), ownManifest: true };
  }
  const builtin = packName ? findBuiltinPack(packName) : DEFAULT_PACK;
  if (!builtin) throw new Error(`unknown pack '${packName}' (known: ${DEFAULT_PACK.name})`);
  return { dir, manifest: builtin, ownManifest: false };
}

/** The path of a pack file; refuses a name that is not plain or that would resolve outside the folder. */
export function packFilePath(dir: string, file: string): string {
  const folder = resolve(dir);
  if (!isPlainFileName(file) || dirname(resolve(folder, file)) !== folder) throw new PackFileNameError(dir, file);
  return join(dir, file);
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * The first present file of the pack that serves `role`; else the copy bundled with the package (the
 * YuNet detector), so face detection never needs a download; else undefined.
 */
export async function resolveRole(pack: PackDirectory, role: Role): Promise<{ entry: PackFile; path: string; bundled?: boolean } | undefined> {
  for (const entry of pack.manifest.files) {
    if (entry.role !== role) continue;
    const path = packFilePath(pack.dir, entry.file);
    if (await fileExists(path)) return { entry, path };
  }
  const bundled = bundledModel(role);
  return bundled ? { ...bundled, bundled: true } : undefined;
}

/** "113 MB" — the size a user sees before a download. */
export function formatMegabytes(bytes: number): string {
  return `${bytes >= 1e7 ? Math.round(bytes / 1e6) : (bytes / 1e6).toFixed(1)} MB`;
}

export class MissingModelsError extends Error {
  constructor(
    readonly dir: string,
    readonly missing: readonly PackFile[],
    /** Why nothing was downloaded (e.g. offline mode), prefixed to the message. */
    reason?: string,
  ) {
    const size = missing.reduce((n, f) => n + (f.sizeBytes ?? 0), 0);
    super(
      `${reason ? `${reason}: ` : ''}missing model files in ${dir}: ${missing.map((f) => f.file).join(', ')}` +
        `${size ? ` (${formatMegabytes(size)})` : ''}; run \`liveportrait models download\` ` +
        '(or copy the files there by hand and run `liveportrait models verify`)',
    );
    this.name = 'MissingModelsError';
  }
}

type RoleGroups = readonly (readonly (readonly Role[])[])[];

/**
 * The files a run cannot do without that are absent: for each required role group (from
 * requiredRoleGroups) with no alternative present, the first alternative's entries.
 */
export async function missingRequired(pack: PackDirectory, groups: RoleGroups = requiredRoleGroups('yunet')): Promise<PackFile[]> {
  const missing: PackFile[] = [];
  for (const alternatives of groups) {
    let satisfied = false;
    for (const roles of alternatives) {
      const found = await Promise.all(roles.map((r) => resolveRole(pack, r)));
      if (found.every(Boolean)) {
        satisfied = true;
        break;
      }
    }
    if (!satisfied) {
      const first = alternatives[0];
      for (const r of first) {
        const entry = pack.manifest.files.find((f) => f.role === r);
        if (entry && !(await resolveRole(pack, r))) missing.push(entry);
      }
    }
  }
  return missing;
}

/** Throws MissingModelsError naming every required file that is absent (groups from requiredRoleGroups). */
export async function assertRequiredPresent(pack: PackDirectory, groups: RoleGroups = requiredRoleGroups('yunet')): Promise<void> {
  const missing = await missingRequired(pack, groups);
  if (missing.length) throw new MissingModelsError(pack.dir, missing);
}

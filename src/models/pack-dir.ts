/**
 * A pack on disk: its manifest (the directory's pack.json, or the default pack's) and the state of
 * each file. Resolving a role to a file goes through here.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Role } from './contract.js';
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

/** The first present file of the pack that serves `role`, or undefined. */
export async function resolveRole(pack: PackDirectory, role: Role): Promise<{ entry: PackFile; path: string } | undefined> {
  for (const entry of pack.manifest.files) {
    if (entry.role !== role) continue;
    const path = packFilePath(pack.dir, entry.file);
    if (await fileExists(path)) return { entry, path };
  }
  return undefined;
}

export class MissingModelsError extends Error {
  constructor(
    readonly dir: string,
    readonly missing: readonly PackFile[],
  ) {
    const lines = missing.map((f) => `  - ${f.file} (${f.role}): ${f.urls[0] ?? 'no public URL'}`);
    super(
      `missing model files in ${dir}:\n${lines.join('\n')}\n` +
        `Run \`liveportrait models download\` (or put the files in ${dir} by hand; ` +
        'for offline tests, `liveportrait models standins DIR` writes a stand-in pack).',
    );
    this.name = 'MissingModelsError';
  }
}

/** Throws MissingModelsError naming every required file that is absent (groups from requiredRoleGroups). */
export async function assertRequiredPresent(pack: PackDirectory, groups: readonly (readonly (readonly Role[])[])[] = requiredRoleGroups('yunet')): Promise<void> {
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
  if (missing.length) throw new MissingModelsError(pack.dir, missing);
}

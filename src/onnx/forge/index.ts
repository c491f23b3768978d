/**
 * Forged LivePortrait networks: real architectures, seeded random weights (benchmark graphs, not trained
 * models). `models.ts` builds them in memory (no I/O); `pack.ts` writes them to a directory (Node).
 */
export {
  DEFAULT_FORGE_SEED,
  FORGED_DOC_STRING,
  FORGED_METADATA_KEY,
  FORGE_FILE_NAMES,
  FORGE_OPSET,
  FORGE_ROLES,
  forgeModel,
  type ForgeOptions,
  type ForgeRole,
  type ForgedModel,
} from './models.js';
export {
  DEFAULT_FORGE_ROLES,
  FORGE_MANIFEST_FILE,
  FORGE_MANIFEST_FORMAT,
  writeForgedPack,
  type ForgeManifest,
  type ForgeProgress,
  type ForgedFileEntry,
  type WriteForgedPackOptions,
} from './pack.js';
export { identityGrid } from './grid.js';

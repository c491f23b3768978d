/**
 * `liveportrait models forge DIR`: writes real-architecture benchmark models with seeded random weights
 * (F, M, warping_spade, and on request the split warping_module / spade_generator) and forge.json.
 */
import type { Command } from 'commander';
import { DEFAULT_FORGE_ROLES, DEFAULT_FORGE_SEED, FORGE_ROLES, writeForgedPack, type ForgeProgress, type ForgeRole } from '../../onnx/forge/index.js';
import { expectInteger, expectOneOf, parseNumberOption } from '../../validate.js';
import { writeStandinPack } from '../../models/standin-pack.js';
import type { PackFile } from '../../models/packs.js';

function parseSeed(text: string): number {
  return expectInteger('--seed', parseNumberOption('--seed', text), 0, 0xffffffff);
}

function parseForgeRoles(text: string): ForgeRole[] {
  return text
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean)
    .map((r) => expectOneOf('--roles', r, FORGE_ROLES));
}

function progressLine(p: ForgeProgress): string | undefined {
  if (p.phase !== 'written' || !p.entry) return undefined;
  const params = `${(p.entry.parameterCount / 1e6).toFixed(2)} M params`;
  const size = `${(p.entry.sizeBytes / 1e6).toFixed(1)} MB`;
  return `[${p.index + 1}/${p.total}] ${p.file.padEnd(34)} ${p.role.padEnd(16)} ${params.padStart(15)} ${size.padStart(9)}  ${(p.seconds ?? 0).toFixed(1)} s`;
}

export function registerForge(modelsCommand: Command): Command {
  return modelsCommand
    .command('forge')
    .description('write benchmark models with the real LivePortrait architectures and seeded random weights (not trained models)')
    .argument('<dir>', 'output directory (created if missing)')
    .option('--seed <n>', 'weight seed, an unsigned 32-bit integer (same seed, same bytes)', parseSeed, DEFAULT_FORGE_SEED)
    .option('--real <dir>', 'copy real model files from DIR (hash-verified) for the roles that are not forged')
    .option('--roles <list>', `comma-separated roles (${FORGE_ROLES.join(', ')}); default ${DEFAULT_FORGE_ROLES.join(',')}`, parseForgeRoles)
    .addHelpText(
      'after',
      '\nThe files run at the cost of the trained models (same graphs, same operators) but their outputs mean nothing;\n' +
        "they carry the metadata liveportrait.standin=true and liveportrait.forged=true. Sizes: appearance 3 MB, motion 113 MB,\n" +
        'warping_spade 404 MB, warping 183 MB, spade_generator 222 MB.',
    )
    .action(async (dir: string, opts: { seed: number; roles?: ForgeRole[]; real?: string }) => {
      const manifest = await writeForgedPack(dir, {
        seed: opts.seed,
        roles: opts.roles ?? DEFAULT_FORGE_ROLES,
        onProgress: (p) => {
          const line = progressLine(p);
          if (line) process.stdout.write(`${line}\n`);
        },
      });
      // The roles forge does not build (stitching, retargeting, landmarks, detectors) come from the
      // stand-in generator (or --real files), so the directory is a complete, runnable pack.
      const keep: PackFile[] = manifest.files.map((f) => ({
        role: f.role,
        file: f.file,
        sha256: f.sha256,
        sizeBytes: f.sizeBytes,
        licence: 'MIT (generated benchmark graph)',
        urls: [],
        defaultDownload: false,
        origin: 'forged',
        note: `real architecture, seeded random weights (seed ${f.seed}), ${f.parameterCount} parameters`,
      }));
      await writeStandinPack(dir, { keep, real: opts.real, name: 'forged', kind: 'forged' });
      process.stdout.write(`forged models (seed ${opts.seed}), forge.json and pack.json written to ${dir} (${manifest.files.length} forged files; other roles are stand-ins)\n`);
    });
}

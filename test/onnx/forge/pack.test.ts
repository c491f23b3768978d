import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Command } from 'commander';
import { FORGE_MANIFEST_FILE, FORGE_MANIFEST_FORMAT, writeForgedPack, type ForgeManifest, type ForgeProgress } from '../../../src/onnx/forge/index.js';
import { registerForge } from '../../../src/cli/commands/forge.js';
import { OptionError } from '../../../src/validate.js';
import { graphOf, metadataOf } from './helpers.js';

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lp-forge-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const readManifest = async (dir: string): Promise<ForgeManifest> => JSON.parse(await readFile(join(dir, FORGE_MANIFEST_FILE), 'utf8')) as ForgeManifest;

test('writeForgedPack writes the file, its forge.json entry and progress, and leaves no temporary files', async () => {
  await withTempDir(async (dir) => {
    const events: ForgeProgress[] = [];
    const target = join(dir, 'nested');
    const manifest = await writeForgedPack(target, { seed: 5, roles: ['appearance'], onProgress: (p) => events.push(p) });
    assert.deepEqual(await readdir(target).then((f) => f.sort()), ['appearance_feature_extractor.onnx', 'forge.json']);
    const bytes = new Uint8Array(await readFile(join(target, 'appearance_feature_extractor.onnx')));
    const entry = manifest.files[0];
    assert.equal(entry.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(entry.parameterCount, 836_224);
    assert.equal(entry.sizeBytes, bytes.length);
    assert.deepEqual(await readManifest(target), manifest);
    const meta = metadataOf(graphOf(bytes).model);
    assert.equal(meta['liveportrait.forged'], 'true');
    assert.equal(meta['liveportrait.standin'], 'true');
    assert.deepEqual(events.map((e) => `${e.phase}:${e.file}:${e.index}/${e.total}`), [
      'building:appearance_feature_extractor.onnx:0/1',
      'written:appearance_feature_extractor.onnx:0/1',
    ]);
  });
});

test('writeForgedPack rejects unknown roles and bad seeds naming the option', async () => {
  await assert.rejects(writeForgedPack(tmpdir(), { roles: ['stitching' as never] }), (e: Error) => e instanceof OptionError && /roles/.test(e.message) && /'stitching'/.test(e.message));
  await assert.rejects(writeForgedPack(tmpdir(), { seed: -1, roles: ['appearance'] }), (e: Error) => e instanceof OptionError && /seed/.test(e.message));
});

test('`models forge DIR --seed N --roles …` writes the files and keeps forge.json entries of earlier runs', async () => {
  await withTempDir(async (dir) => {
    const run = async (args: string[]) => {
      const program = new Command().exitOverride();
      registerForge(program.command('models').exitOverride());
      const write = process.stdout.write;
      const lines: string[] = [];
      process.stdout.write = ((chunk: string) => lines.push(String(chunk)) > 0) as typeof process.stdout.write;
      try {
        await program.parseAsync(['node', 'liveportrait', 'models', 'forge', dir, ...args]);
      } finally {
        process.stdout.write = write;
      }
      return lines.join('');
    };
    // An entry from an earlier run for another file must survive.
    const earlier = { file: 'motion_extractor.onnx', role: 'motion', seed: 1, sha256: 'ab'.repeat(32), sizeBytes: 1, parameterCount: 28_118_728 };
    await writeFile(join(dir, FORGE_MANIFEST_FILE), JSON.stringify({ format: FORGE_MANIFEST_FORMAT, description: '', files: [earlier] }));
    const first = await run(['--seed', '3', '--roles', 'appearance']);
    assert.match(first, /\[1\/1\] appearance_feature_extractor\.onnx\s+appearance\s+0\.84 M params/);
    const before = await readManifest(dir);
    assert.deepEqual(before.files.map((f) => f.file), ['appearance_feature_extractor.onnx', 'motion_extractor.onnx']);
    assert.deepEqual(before.files[1], earlier);
    assert.equal(before.files[0].seed, 3);
    await run(['--seed', '4', '--roles', 'appearance']);
    const after = await readManifest(dir);
    assert.equal(after.files.length, 2);
    assert.equal(after.files[0].seed, 4);
    assert.notEqual(after.files[0].sha256, before.files[0].sha256);
    await assert.rejects(run(['--roles', 'appearance,bogus']), /--roles/);
    await assert.rejects(run(['--seed', 'x']), /--seed/);
  });
});

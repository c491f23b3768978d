/** The CLI speaks one way everywhere: error prefix, flag names, defaults in --help, shared options. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli, standinPack } from '../helpers/cli.js';
import { needsFfmpeg } from '../helpers/shared.js';
import { withCliFlag } from '../../src/cli/main.js';
import { OptionError } from '../../src/validate.js';

const PORTRAIT = resolve('assets/samples/portrait.jpg');
const DRIVING = resolve('assets/samples/driving.mp4');

test("commander's own errors start with 'liveportrait: error:' like every other error", async () => {
  for (const args of [['crop', '--bogus'], ['animate', '--det', 'nope'], ['nonsense-command']]) {
    const r = await runCli(args);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /^liveportrait: error: /, `${args.join(' ')}: ${r.stderr}`);
  }
});

test('library option names in errors become the CLI flag', () => {
  assert.equal(withCliFlag(new OptionError('faceIndex', 'Expected an integer >= 0 for faceIndex but received -1 of type number')), 'Expected an integer >= 0 for --face-index but received -1 of type number');
  assert.equal(withCliFlag(new OptionError('crf', 'Expected an integer between 0 and 51 for crf but received 99 of type number')), 'Expected an integer between 0 and 51 for --crf but received 99 of type number');
  assert.equal(withCliFlag(new OptionError('--source', '--source: no such file')), '--source: no such file');
});

test('--threads shows its default in every command that runs models', async () => {
  for (const cmd of ['animate', 'edit', 'template', 'crop', 'demo']) {
    const r = await runCli([cmd, '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout.replace(/\s+/g, ' '), /--threads <n> onnxruntime intra-op threads \([^)]*\) \(default: 0, one per core present\)/, cmd);
  }
});

test('crop takes -s, --device, --threads and -q like the other commands, with the bundled detector', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lp-crop-opts-'));
  const out = join(dir, 'crop.png');
  const r = await runCli(['crop', '-s', PORTRAIT, '-o', out, '--device', 'cpu', '--threads', '1', '-q'], { LIVEPORTRAIT_HOME: join(dir, 'home') });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', '-q: no notes or warnings');
  assert.ok(existsSync(out));
  assert.ok(!existsSync(join(dir, 'home')), 'nothing downloaded or cached');
});

test('template without -o writes into the current directory, not beside the video', { skip: needsFfmpeg }, async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'lp-template-cwd-'));
  const r = await runCli(['template', '-d', DRIVING, '--frames', '3', '--models', await standinPack(), '-q'], {}, cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^wrote driving\.json \(3 frames/);
  assert.deepEqual(await readdir(cwd), ['driving.json']);
  assert.ok(!existsSync(join(resolve('assets/samples'), 'driving.json')));
});

test('--device webgpu without a GPU adapter fails with one line (no native diagnostics)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lp-webgpu-'));
  const r = await runCli(['crop', '-i', PORTRAIT, '-o', join(dir, 'c.png'), '--device', 'webgpu', '-q'], { LIVEPORTRAIT_DEBUG: '' });
  if (r.code === 0) return; // this machine has a WebGPU adapter: nothing to check
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^liveportrait: error: device 'webgpu' cannot be used here/);
});

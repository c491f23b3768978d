/**
 * The package as a user meets it: `npm pack`, install the tarball into an empty project (no network
 * beyond the npm registry, from the npm cache when it is warm; ONNXRUNTIME_NODE_INSTALL=skip), then the
 * installed `liveportrait` command: --version, --help, crop with the bundled YuNet (nothing downloaded)
 * and `demo --offline` failing with one line that names the files to fetch. Also the exports map.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readImage } from '../../src/io/image-file.js';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without the npm_* variables of the `npm test` that may be running us. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.toLowerCase().startsWith('npm_')) env[k] = v;
  return { ...env, ...extra };
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

const ROOT = resolve('.');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
let work = '';
let app = '';
let home = '';
let packed: { filename: string; unpackedSize: number; files: { path: string; size: number }[] } | undefined;
let installError = '';

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'lp-pack-'));
  // dist/ is already built by `npm test`; --ignore-scripts skips the prepack build.
  const p = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT);
  assert.equal(p.code, 0, p.stderr);
  packed = (JSON.parse(p.stdout) as (typeof packed)[])[0];
  app = join(work, 'app');
  home = join(work, 'home');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), `${JSON.stringify({ name: 'empty-app', version: '1.0.0', private: true, type: 'module' })}\n`);
  const tarball = join(work, packed!.filename);
  const env = { ONNXRUNTIME_NODE_INSTALL: 'skip' };
  // Offline from the npm cache; when the cache lacks a package's metadata, the registry may fill it.
  let r = await run('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund'], app, env);
  if (r.code !== 0 && /ENOTCACHED/.test(r.stderr)) r = await run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], app, env);
  if (r.code !== 0) installError = r.stderr;
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const npx = (args: string[]) => run('npx', ['--no-install', 'liveportrait', ...args], app, { LIVEPORTRAIT_HOME: home });

test('npm pack holds the built library, CLI, README, LICENSE and bundled assets only, under 5 MB besides the models', () => {
  assert.ok(packed);
  const paths = packed.files.map((f) => f.path);
  for (const required of ['package.json', 'README.md', 'LICENSE', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/web.js', 'dist/src/web.d.ts', 'dist/src/math/index.d.ts', 'dist/src/cli/bin.js', 'assets/models/yunet_n_640_640.onnx', 'assets/samples/portrait.jpg', 'assets/samples/driving.mp4']) {
    assert.ok(paths.includes(required), `${required} is in the package`);
  }
  const stray = paths.filter((p) => p.startsWith('test/') || p.startsWith('dist/test/') || p.startsWith('web/') || p.startsWith('src/') || p.endsWith('.ts') && !p.endsWith('.d.ts'));
  assert.deepEqual(stray, [], 'no sources, tests or web app sources');
  const models = packed.files.filter((f) => f.path.startsWith('assets/models/')).reduce((n, f) => n + f.size, 0);
  assert.ok(packed.unpackedSize - models < 5e6, `unpacked ${(packed.unpackedSize / 1e6).toFixed(2)} MB besides ${(models / 1e6).toFixed(2)} MB of models`);
});

test('the tarball installs into an empty project without onnxruntime-web', async () => {
  assert.equal(installError, '', installError);
  const installed = await readdir(join(app, 'node_modules'));
  assert.ok(installed.includes('liveportrait-ts'));
  assert.ok(!installed.includes('onnxruntime-web'), 'onnxruntime-web is an optional peer dependency, not installed for Node users');
});

test('npx liveportrait --version and --help', async () => {
  const v = await npx(['--version']);
  assert.equal(v.code, 0, v.stderr);
  assert.equal(v.stdout.trim(), pkg.version);
  const h = await npx(['--help']);
  assert.equal(h.code, 0, h.stderr);
  for (const cmd of ['animate', 'edit', 'template', 'crop', 'demo', 'models']) assert.match(h.stdout, new RegExp(`\\n  ${cmd}\\b`), `--help lists ${cmd}`);
});

test('npx liveportrait crop uses the bundled YuNet: a 512 crop, nothing downloaded', async () => {
  const face = join(ROOT, 'assets/samples/portrait.jpg');
  const out = join(app, 'crop.png');
  const r = await npx(['crop', '-i', face, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /wrote .*crop\.png \(512x512, 1 face found/);
  const crop = await readImage(out);
  assert.deepEqual([crop.width, crop.height], [512, 512]);
  const cached = await readdir(home).catch(() => []);
  assert.deepEqual(cached, [], 'the model cache stays empty');
});

test('npx liveportrait demo --offline fails with one line listing the files to fetch', async () => {
  const r = await npx(['demo', '--offline']);
  assert.equal(r.code, 1);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^liveportrait: error: offline mode .*missing model files in .*: appearance_feature_extractor\.onnx, motion_extractor\.onnx, warping_spade\.onnx, .*landmark\.onnx \(\d+ MB\)/);
  assert.doesNotMatch(lines[0], /yunet/, 'the bundled detector is not listed');
  assert.equal(r.stdout, '');
});

test('the exports map: the curated root, ./web (isomorphic core) and ./math, each with types', async () => {
  const script = `
    const root = await import('${pkg.name}');
    const web = await import('${pkg.name}/web');
    const math = await import('${pkg.name}/math');
    console.log(JSON.stringify({ root: Object.keys(root), web: Object.keys(web), math: Object.keys(math) }));`;
  const r = await run(process.execPath, ['--input-type=module', '-e', script], app);
  assert.equal(r.code, 0, r.stderr);
  const names = JSON.parse(r.stdout) as { root: string[]; web: string[]; math: string[] };
  for (const n of ['createEngine', 'animateFile', 'editFile', 'extractTemplate', 'ensureModels', 'packDirectory', 'MissingModelsError', 'OptionError', 'samplePaths']) assert.ok(names.root.includes(n), `root exports ${n}`);
  assert.ok(names.root.length < 80, `a curated root API (${names.root.length} names)`);
  assert.ok(!names.root.includes('rotationMatrix'), 'the math is its own entry point');
  for (const n of ['setOrt', 'loadModel', 'prepareSource', 'FrameAnimator', 'FaceCropper']) assert.ok(names.web.includes(n), `./web exports ${n}`);
  assert.ok(names.math.includes('rotationMatrix'));
});

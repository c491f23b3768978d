/**
 * First run: animate/edit/template/demo download the missing files of a pack themselves (sizes first,
 * sha256-verified) from a real local HTTP server, fail naming the files in offline mode, and check the
 * inputs before any model is fetched. The served pack is a stand-in pack (its pack.json carries the
 * hashes); the default pack's real files cannot be served here.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { writeStandinPack } from '../../src/models/standin-pack.js';
import { runCli, standinPack, probeStreams } from '../helpers/cli.js';
import { needsFfmpeg } from '../helpers/shared.js';

const PORTRAIT = resolve('assets/samples/portrait.jpg');
let work = '';
let served = '';
let server: Server | undefined;
let mirror = '';
const requests: string[] = [];

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'lp-first-run-'));
  served = join(work, 'served');
  await writeStandinPack(served);
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const name = decodeURIComponent((req.url ?? '/').slice(1));
    if (!/^[\w.-]+$/.test(name)) return void res.writeHead(404).end();
    const path = join(served, name);
    stat(path).then(
      (s) => {
        res.writeHead(200, { 'content-length': s.size });
        createReadStream(path).pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((ok) => server!.listen(0, '127.0.0.1', ok));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise((ok) => server?.close(ok));
  if (work) await rm(work, { recursive: true, force: true });
});

/** A pack directory holding only the served pack's manifest: every model file is missing. */
async function emptyPack(name: string): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir);
  await copyFile(join(served, 'pack.json'), join(dir, 'pack.json'));
  return dir;
}

test('edit downloads the missing models first (sizes, then each file verified) and then runs', { skip: needsFfmpeg }, async () => {
  const pack = await emptyPack('download');
  const out = join(work, 'edited.png');
  const r = await runCli(['edit', '-i', PORTRAIT, '--smile', '1', '-o', out, '--models', pack, '--mirror', mirror]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /downloading \d+ model files \([\d.]+ MB\) to /);
  assert.match(r.stderr, /motion_extractor\.onnx: downloaded, hash verified/);
  assert.doesNotMatch(r.stderr, /\r/, 'no carriage returns when stderr is not a terminal');
  const files = await readdir(pack);
  for (const f of ['appearance_feature_extractor.onnx', 'motion_extractor.onnx', 'warping_spade.onnx', 'stitching.onnx']) assert.ok(files.includes(f), `${f} downloaded`);
  assert.ok(!files.some((f) => f.endsWith('.partial')), 'no partial files left');
  assert.match(r.stdout, /wrote .*edited\.png/);
  // A second run finds everything in place and fetches nothing.
  const before = requests.length;
  const again = await runCli(['edit', '-i', PORTRAIT, '--smile', '1', '-o', out, '--models', pack, '--mirror', mirror]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(requests.length, before);
});

test('offline mode (--offline or LIVEPORTRAIT_OFFLINE=1) fails with one line naming the files, fetching nothing', async () => {
  const pack = await emptyPack('offline');
  const before = requests.length;
  for (const [args, env] of [
    [['template', '-d', resolve('assets/samples/driving.mp4'), '--offline'], {}],
    [['animate', '-i', PORTRAIT, '-d', resolve('assets/samples/driving.mp4')], { LIVEPORTRAIT_OFFLINE: '1' }],
  ] as const) {
    const r = await runCli([...args, '--models', pack, '--mirror', mirror], env);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^liveportrait: error: offline mode .*missing model files in .*motion_extractor\.onnx/);
  }
  assert.equal(requests.length, before);
  assert.deepEqual(await readdir(pack), ['pack.json']);
});

test('inputs are checked before any model is downloaded: a typo in -i is reported first', async () => {
  const pack = await emptyPack('typo');
  const before = requests.length;
  const r = await runCli(['animate', '-i', join(work, 'portrait-typo.jpg'), '-d', resolve('assets/samples/driving.mp4'), '--models', pack, '--mirror', mirror]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^liveportrait: error: --source .*portrait-typo\.jpg: file not found\n$/);
  const e = await runCli(['edit', '-i', PORTRAIT, '--from', join(work, 'nope.jpg'), '-o', join(work, 'x.png'), '--models', pack, '--mirror', mirror]);
  assert.match(e.stderr, /^liveportrait: error: --from .*nope\.jpg: file not found/);
  assert.equal(requests.length, before, 'nothing fetched');
});

test('demo animates the bundled sample portrait with the bundled driving clip and prints where the result is', { skip: needsFfmpeg }, async () => {
  const out = join(work, 'demo', 'result.mp4');
  const r = await runCli(['demo', '-o', out, '--models', await standinPack()]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `wrote ${out} (50 frames at 25 fps)\n`);
  const video = probeStreams(out).find((s) => s.codec_type === 'video');
  assert.equal(video?.nb_read_frames, '50');
});

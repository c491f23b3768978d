/**
 * Hardening of model packs and downloads: one definition of the required roles, file names in
 * pack.json that try to leave the pack folder, servers that never answer, Ctrl-C, and two downloads
 * into one folder at once. Real local HTTP servers on free ports, real files, the built CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { downloadFile, DownloadError } from '../../src/models/download.js';
import { sha256Bytes } from '../../src/models/hash.js';
import { openPackDirectory } from '../../src/models/pack-dir.js';
import { loadModelSet } from '../../src/models/model-set.js';
import { PACK_FORMAT, parseManifest, type PackFile } from '../../src/models/packs.js';
import { writeStandinPack } from '../../src/models/standin-pack.js';
import { CLI, runCli } from '../helpers/cli.js';

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'lp-harden-'));
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; base: string; close: () => Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    server,
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function entryFor(body: Uint8Array, file = 'stitching.onnx'): PackFile {
  return { role: 'stitching', file, sha256: sha256Bytes(body), licence: 'test', urls: [], defaultDownload: true };
}

test('models verify fails when the detector animate needs is missing (one definition of required roles)', async () => {
  const dir = await tmp();
  try {
    // YuNet is bundled with the package (never missing), so the detector taken away is SCRFD.
    await writeStandinPack(dir);
    const ok = await runCli(['models', 'verify', '--models', dir, '--hash-only', '--det', 'insightface']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    await rm(join(dir, 'det_10g.onnx'));
    const r = await runCli(['models', 'verify', '--models', dir, '--hash-only', '--det', 'insightface']);
    assert.notEqual(r.code, 0, 'verify must fail like animate does');
    assert.match(r.stdout, /required .*missing.*detector_scrfd/);
    assert.doesNotMatch(r.stdout, /all required roles are present/);
    await assert.rejects(loadModelSet(dir, { detector: 'insightface' }), /det_10g\.onnx/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('pack.json file names must be plain names inside the pack folder', async () => {
  const base = { format: PACK_FORMAT, name: 'x', kind: 'real' };
  const bad = ['../../x.onnx', '/etc/passwd', 'sub/a.onnx', 'sub\\a.onnx', '..', '.', '', 'a\0b.onnx'];
  for (const file of bad) {
    assert.throws(
      () => parseManifest({ ...base, files: [{ role: 'stitching', file, sha256: 'a'.repeat(64), licence: 'x', urls: [] }] }, 'pack.json'),
      /plain file name/,
      JSON.stringify(file),
    );
  }
  // Loading: a pack.json pointing at /etc/passwd is refused before anything is read.
  const dir = await tmp();
  try {
    await writeFile(join(dir, 'pack.json'), JSON.stringify({ ...base, files: [{ role: 'stitching', file: '../../../../etc/passwd', sha256: 'a'.repeat(64), licence: 'x', urls: [] }] }));
    await assert.rejects(openPackDirectory(dir), /plain file name/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('models download never writes outside the pack folder', async () => {
  const body = randomBytes(2000);
  const srv = await listen((_req, res) => res.writeHead(200, { 'content-length': body.length }).end(body));
  const root = await tmp();
  try {
    const pack = join(root, 'a', 'b', 'pack');
    await mkdir(pack, { recursive: true });
    await writeFile(join(pack, 'pack.json'), JSON.stringify({ format: PACK_FORMAT, name: 'x', kind: 'real', files: [{ role: 'stitching', file: '../../escape.onnx', sha256: sha256Bytes(body), licence: 'x', urls: [], defaultDownload: true }] }));
    const r = await runCli(['models', 'download', '--models', pack, '--mirror', srv.base, '-q']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /plain file name/);
    assert.equal(existsSync(join(root, 'a', 'escape.onnx')), false);
    // The library refuses the name too, whatever manifest it came from.
    await assert.rejects(downloadFile(pack, entryFor(body, '../escape.onnx'), { mirror: srv.base }), /plain file name/);
    assert.equal(existsSync(join(root, 'a', 'b', 'escape.onnx')), false);
  } finally {
    await srv.close();
    await rm(root, { recursive: true, force: true });
  }
});

test('a server that accepts and never answers times out with a clear line', async () => {
  const srv = await listen(() => undefined);
  const dir = await tmp();
  try {
    const started = Date.now();
    await assert.rejects(
      downloadFile(dir, entryFor(randomBytes(10)), { mirror: srv.base, idleTimeoutMs: 300 }),
      (err: Error) => err instanceof DownloadError && /no data for 0\.3 s/.test(err.message),
    );
    assert.ok(Date.now() - started < 10_000);
    assert.deepEqual(await readdir(dir), [], 'no partial file is left');
  } finally {
    await srv.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('Ctrl-C during a download exits 130, releases its lock and leaves nothing at the final name', async () => {
  let answered = false;
  const srv = await listen((_req, res) => {
    answered = true;
    res.writeHead(200, { 'content-length': 1_000_000 });
    res.write(randomBytes(1000));
  });
  const dir = await tmp();
  try {
    const child = spawn(process.execPath, [CLI, 'models', 'download', '--models', dir, '--mirror', srv.base, '--roles', 'stitching', '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const deadline = Date.now() + 20_000;
    while (!answered && Date.now() < deadline) await sleep(50);
    await sleep(300);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    assert.equal(code, 130, stderr);
    assert.match(stderr, /interrupted/);
    // The .partial stays for resuming; the lock is released and no file sits at the final name.
    assert.deepEqual((await readdir(dir)).filter((n) => !n.endsWith('.partial')), []);
  } finally {
    await srv.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('two downloads of the same file into one folder do not trip over each other', async () => {
  const body = randomBytes(400_000);
  // Slow enough that both transfers overlap.
  const srv = await listen((_req, res) => {
    res.writeHead(200, { 'content-length': body.length });
    let offset = 0;
    const step = () => {
      if (offset >= body.length) return void res.end();
      res.write(body.subarray(offset, offset + 50_000));
      offset += 50_000;
      setTimeout(step, 20);
    };
    step();
  });
  const dir = await tmp();
  try {
    const results = await Promise.all([downloadFile(dir, entryFor(body), { mirror: srv.base }), downloadFile(dir, entryFor(body), { mirror: srv.base })]);
    for (const r of results) assert.ok(r === 'downloaded' || r === 'present', String(r));
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 'stitching.onnx'))), new Uint8Array(body));
    assert.deepEqual(await readdir(dir), ['stitching.onnx']);
  } finally {
    await srv.close();
    await rm(dir, { recursive: true, force: true });
  }
});

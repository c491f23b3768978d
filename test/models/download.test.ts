import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, writeFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { downloadFile, DownloadError } from '../../src/models/download.js';
import { sha256Bytes } from '../../src/models/hash.js';
import type { PackFile } from '../../src/models/packs.js';

interface Served {
  server: Server;
  base: string;
  requests: { range?: string }[];
}

/** A loopback server with Range support; `cutAfter` drops the connection after that many bytes once. */
async function serve(body: Uint8Array, opts: { cutAfter?: number; status?: number } = {}): Promise<Served> {
  const requests: { range?: string }[] = [];
  let cut = opts.cutAfter;
  const server = createServer((req, res) => {
    requests.push({ range: req.headers.range });
    if (opts.status) {
      res.writeHead(opts.status).end();
      return;
    }
    let start = 0;
    const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
    if (m) start = Number(m[1]);
    const slice = body.subarray(start);
    res.writeHead(m ? 206 : 200, { 'content-length': slice.length, ...(m ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}) });
    if (cut !== undefined) {
      res.write(slice.subarray(0, cut));
      cut = undefined;
      setTimeout(() => res.destroy(), 20);
      return;
    }
    res.end(slice);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { server, base: `http://127.0.0.1:${port}`, requests };
}

function entryFor(body: Uint8Array, urls: string[]): PackFile {
  return { role: 'stitching', file: 'stitching.onnx', sha256: sha256Bytes(body), licence: 'test', urls, defaultDownload: true };
}

test('download verifies the hash and places the file atomically', async () => {
  const body = randomBytes(300_000);
  const s = await serve(body);
  const dir = await mkdtemp(join(tmpdir(), 'lp-dl-'));
  try {
    const seen: number[] = [];
    const r = await downloadFile(dir, entryFor(body, [`${s.base}/stitching.onnx`]), { onProgress: (p) => seen.push(p.received) });
    assert.equal(r, 'downloaded');
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 'stitching.onnx'))), new Uint8Array(body));
    assert.equal(seen.at(-1), body.length);
    assert.deepEqual(await readdir(dir), ['stitching.onnx']);
    assert.equal(await downloadFile(dir, entryFor(body, [`${s.base}/stitching.onnx`])), 'present');
  } finally {
    s.server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('an interrupted download resumes from the partial file with a Range request', async () => {
  const body = randomBytes(400_000);
  const s = await serve(body, { cutAfter: 150_000 });
  const dir = await mkdtemp(join(tmpdir(), 'lp-dl-'));
  const entry = entryFor(body, [`${s.base}/stitching.onnx`]);
  try {
    await assert.rejects(downloadFile(dir, entry), DownloadError);
    const partial = await readFile(join(dir, 'stitching.onnx.partial'));
    assert.ok(partial.length > 0 && partial.length < body.length, `partial has ${partial.length} bytes`);
    assert.deepEqual(await readdir(dir), ['stitching.onnx.partial'], 'no file at the final name after a failure');
    assert.equal(await downloadFile(dir, entry), 'downloaded');
    assert.match(s.requests.at(-1)?.range ?? '', new RegExp(`^bytes=${partial.length}-$`));
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 'stitching.onnx'))), new Uint8Array(body));
  } finally {
    s.server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a hash mismatch is rejected, the bad file removed, and the next mirror tried', async () => {
  const good = randomBytes(50_000);
  const bad = randomBytes(50_000);
  const badServer = await serve(bad);
  const goodServer = await serve(good);
  const dir = await mkdtemp(join(tmpdir(), 'lp-dl-'));
  try {
    const entry = entryFor(good, [`${badServer.base}/x`, `${goodServer.base}/x`]);
    assert.equal(await downloadFile(dir, entry), 'downloaded');
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 'stitching.onnx'))), new Uint8Array(good));
    const onlyBad = entryFor(good, [`${badServer.base}/x`]);
    await rm(join(dir, 'stitching.onnx'));
    await assert.rejects(downloadFile(dir, onlyBad), (err: Error) => /sha256 mismatch/.test(err.message));
    assert.deepEqual(await readdir(dir), []);
  } finally {
    badServer.server.close();
    goodServer.server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('no network: the error names every URL tried', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lp-dl-'));
  const s = await serve(new Uint8Array(1), { status: 404 });
  try {
    const entry = entryFor(new Uint8Array(1), [`${s.base}/a.onnx`, 'http://127.0.0.1:9/b.onnx']);
    await assert.rejects(downloadFile(dir, entry), (err: Error) => err.message.includes(`${s.base}/a.onnx: HTTP 404`) && err.message.includes('127.0.0.1:9/b.onnx'));
    await writeFile(join(dir, 'stitching.onnx'), 'corrupt');
    await assert.rejects(downloadFile(dir, entry), DownloadError, 'a corrupt file at the final name is not taken for the model');
  } finally {
    s.server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

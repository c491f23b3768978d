/**
 * The service with its real parts: redis-server, the HTTP API and worker processes on a stand-in pack.
 * A video job is rendered in chunks by two workers and compared with a single-process `animate`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, standinPack, probeStreams } from '../helpers/cli.js';
import { needsFfmpeg, needsShared, sharedPath } from '../helpers/shared.js';
import { getJson, needsRedis, postJob, startRedis, startServe, startWorkerProcess, stopAll, waitJob, type ApiServer, type JobJson, type RedisServer } from '../helpers/service.js';

const skip = needsShared || needsFfmpeg || needsRedis;

interface Inputs {
  dir: string;
  pack: string;
  source: string;
  driving: string;
  noFace: string;
  corrupt: string;
  tiny: string;
}

let inputsPromise: Promise<Inputs> | undefined;
/** A 256² portrait, a 128² 300+-frame driving video with audio, a face-less image and a broken video. */
function inputs(): Promise<Inputs> {
  inputsPromise ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lp-svc-in-'));
    const source = join(dir, 'portrait.png');
    const driving = join(dir, 'talk.mp4');
    const noFace = join(dir, 'wall.png');
    const corrupt = join(dir, 'broken.mp4');
    const tiny = join(dir, 'tiny.mp4');
    const ff = (args: string[]) => assert.equal(spawnSync('ffmpeg', ['-v', 'error', '-y', ...args]).status, 0, `ffmpeg ${args.join(' ')}`);
    ff(['-i', sharedPath('samples/source/s6.jpg'), '-vf', 'scale=256:256', source]);
    ff(['-i', sharedPath('samples/driving/d3.mp4'), '-vf', 'scale=128:128', '-c:v', 'libx264', '-crf', '18', '-c:a', 'copy', driving]);
    ff(['-f', 'lavfi', '-i', 'color=c=gray:s=128x128', '-frames:v', '1', noFace]);
    ff(['-f', 'lavfi', '-i', 'testsrc=s=64x64:r=10', '-frames:v', '5', '-pix_fmt', 'yuv420p', tiny]);
    // An mp4 header with nothing decodable after it.
    const junk = Buffer.alloc(4096, 7);
    Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d]).copy(junk);
    await writeFile(corrupt, junk);
    return { dir, pack: await standinPack(), source, driving, noFace, corrupt, tiny };
  })();
  return inputsPromise;
}

async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? dir, e.name));
}

function psnr(a: string, b: string): number {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-i', a, '-i', b, '-lavfi', '[0:v][1:v]psnr', '-f', 'null', '-'], { encoding: 'utf8' });
  const m = /average:(inf|[\d.]+)/.exec(r.stderr);
  assert.ok(m, `no PSNR in ffmpeg output: ${r.stderr.slice(-500)}`);
  return m[1] === 'inf' ? Infinity : Number(m[1]);
}

after(async () => {
  await stopAll();
});

describe('service: a video job over two workers', { skip }, () => {
  let redis: RedisServer;
  let api: ApiServer;
  let storage: string;
  const workers: string[] = [];

  before(async () => {
    const inp = await inputs();
    redis = await startRedis();
    storage = await mkdtemp(join(tmpdir(), 'lp-svc-store-'));
    const common = ['--redis', redis.url, '--storage', storage, '--models', inp.pack, '--threads', '1', '-q'];
    api = await startServe([...common, '--workers', '0', '--no-auth', '--chunk-frames', '40']);
    for (let i = 0; i < 2; i++) {
      const w = await startWorkerProcess(common);
      workers.push(String(w.child.pid));
    }
  });

  test('health, openapi and metrics answer without job data', async () => {
    const health = await getJson(`${api.url}/v1/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(health.body, { status: 'ok', redis: 'ok', workers: 2 });
    const doc = await getJson(`${api.url}/openapi.json`);
    assert.equal(doc.body.openapi, '3.1.0');
    assert.ok((doc.body.paths as Record<string, unknown>)['/v1/jobs/{id}/result']);
  });

  test('300 frames as PNGs: chunks spread over both workers, every frame bit-identical to single-process animate', async () => {
    const inp = await inputs();
    const posted = await postJob(api.url, { source: inp.source, driving: inp.driving, options: { frames: 300, format: 'png' } });
    assert.equal(posted.status, 202, JSON.stringify(posted.body));
    const id = posted.body.id as string;
    // SSE: progress events, then done.
    const events: string[] = [];
    const res = await fetch(`${api.url}/v1/jobs/${id}/events`);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const text = await res.text();
    for (const m of text.matchAll(/^event: (\w+)$/gm)) events.push(m[1]);
    assert.ok(events.filter((e) => e === 'progress').length >= 3, `progress events: ${events.join(',')}`);
    assert.equal(events.at(-1), 'done');
    const last = JSON.parse(/data: (.*)\n\n$/.exec(text)![1]) as JobJson;
    assert.deepEqual(last.progress, { done: 300, total: 300 });

    const job = await waitJob(api.url, id);
    assert.equal(job.state, 'done');
    assert.equal(job.chunks.length, 8);
    assert.ok(job.chunks.every((c) => c.state === 'done' && c.worker), 'each chunk records its worker');
    const used = new Set(job.chunks.map((c) => c.worker!.split(':')[1]));
    assert.deepEqual([...used].sort(), [...workers].sort(), `both workers rendered chunks: ${JSON.stringify(job.chunks)}`);

    const dir = await mkdtemp(join(tmpdir(), 'lp-svc-out-'));
    const tar = join(dir, 'frames.tar');
    await writeFile(tar, Buffer.from(await (await fetch(`${api.url}/v1/jobs/${id}/result`)).arrayBuffer()));
    await mkdir(join(dir, 'service'));
    assert.equal(spawnSync('tar', ['-xf', tar, '-C', join(dir, 'service')]).status, 0);
    const single = await runCli(['animate', '-i', inp.source, '-d', inp.driving, '--frames', '300', '--models', inp.pack, '--threads', '1', '-o', join(dir, 'single', '%06d.png'), '-q']);
    assert.equal(single.code, 0, single.stderr);
    const a = (await readdir(join(dir, 'single'))).sort();
    const b = (await readdir(join(dir, 'service'))).filter((f) => f.endsWith('.png')).sort();
    assert.equal(a.length, 300);
    assert.deepEqual(b, a, 'same frame files');
    for (const f of a) assert.ok((await readFile(join(dir, 'single', f))).equals(await readFile(join(dir, 'service', f))), `frame ${f} is bit-identical`);
    assert.deepEqual(await filesUnder(join(storage, 'jobs', id, 'chunks')), [], 'chunks removed after the join');
  });

  test('mp4: the joined chunks decode to the single-process frame count at ≥ 40 dB, with the driving audio, Range requests work', async () => {
    const inp = await inputs();
    const posted = await postJob(api.url, { source: inp.source, driving: inp.driving, options: { frames: 100, 'chunk-frames': 30 } });
    assert.equal(posted.status, 202, JSON.stringify(posted.body));
    const id = posted.body.id as string;
    const job = await waitJob(api.url, id);
    assert.equal(job.state, 'done', job.error ?? '');
    assert.equal(job.chunks.length, 4);
    const dir = await mkdtemp(join(tmpdir(), 'lp-svc-mp4-'));
    const result = await fetch(`${api.url}/v1/jobs/${id}/result`);
    assert.equal(result.headers.get('content-type'), 'video/mp4');
    assert.equal(result.headers.get('accept-ranges'), 'bytes');
    const bytes = Buffer.from(await result.arrayBuffer());
    await writeFile(join(dir, 'service.mp4'), bytes);
    const part = await fetch(`${api.url}/v1/jobs/${id}/result`, { headers: { range: 'bytes=100-1099' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 100-1099/${bytes.length}`);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 1100)));
    assert.equal((await fetch(`${api.url}/v1/jobs/${id}/result`, { headers: { range: `bytes=${bytes.length}-` } })).status, 416);

    const single = await runCli(['animate', '-i', inp.source, '-d', inp.driving, '--frames', '100', '--models', inp.pack, '--threads', '1', '-o', join(dir, 'single.mp4'), '-q']);
    assert.equal(single.code, 0, single.stderr);
    const s = probeStreams(join(dir, 'service.mp4'));
    const r = probeStreams(join(dir, 'single.mp4'));
    assert.equal(s.find((x) => x.codec_type === 'video')!.nb_read_frames, '100');
    assert.equal(r.find((x) => x.codec_type === 'video')!.nb_read_frames, '100');
    assert.equal(s.find((x) => x.codec_type === 'video')!.r_frame_rate, r.find((x) => x.codec_type === 'video')!.r_frame_rate);
    assert.ok(s.some((x) => x.codec_type === 'audio'), 'driving audio muxed');
    const db = psnr(join(dir, 'service.mp4'), join(dir, 'single.mp4'));
    console.log(`joined mp4 vs single-process mp4: PSNR ${db} dB`);
    assert.ok(db >= 40, `PSNR ${db} dB`);

    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    assert.match(metrics, /liveportrait_frames_rendered_total \d+/);
    assert.match(metrics, /liveportrait_workers 2/);
    assert.match(metrics, /liveportrait_job_duration_seconds_count\{outcome="done"\} [1-9]/);
    assert.doesNotMatch(metrics, new RegExp(id), 'no job ids in /metrics');
  });

  test('cancel: a running job stops, its files are removed, and the workers take the next job', async () => {
    const inp = await inputs();
    const posted = await postJob(api.url, { source: inp.source, driving: inp.driving, options: { frames: 120, 'chunk-frames': 60 } });
    const id = posted.body.id as string;
    await waitJob(api.url, id, undefined, (j) => j.chunks.some((c) => c.state === 'active' && c.done > 0));
    const del = await fetch(`${api.url}/v1/jobs/${id}`, { method: 'DELETE' });
    assert.equal(del.status, 200);
    const job = await waitJob(api.url, id);
    assert.equal(job.state, 'cancelled');
    const read = async () => ((await getJson(`${api.url}/v1/jobs/${id}`)).body as unknown as JobJson).progress.done;
    await new Promise((r) => setTimeout(r, 1000));
    const frozen = await read();
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await read(), frozen, 'rendering stopped');
    assert.ok(frozen < 120, `stopped early (${frozen} of 120 frames)`);
    assert.deepEqual(await filesUnder(join(storage, 'jobs', id)), [], 'nothing left on disk');
    // The workers are free again.
    const next = await postJob(api.url, { source: inp.source, driving: inp.driving, options: { frames: 10 } });
    assert.equal((await waitJob(api.url, next.body.id as string)).state, 'done');
  });

  test('one-process jobs: image driving, edit and template extraction', async () => {
    const inp = await inputs();
    const image = await postJob(api.url, { source: inp.source, driving: inp.source });
    const edit = await postJob(api.url, { kind: 'edit', source: inp.source, options: { smile: 1, 'pupil-x': 10 } });
    const template = await postJob(api.url, { kind: 'template', driving: inp.driving, options: { frames: 12 } });
    const badEdit = await postJob(api.url, { kind: 'edit', source: inp.source, options: { smile: 99 } });
    assert.equal(badEdit.status, 400);
    assert.match(badEdit.body.error as string, /--smile/);
    for (const [posted, type] of [[image, 'image/png'], [edit, 'image/png'], [template, 'application/json']] as const) {
      assert.equal(posted.status, 202, JSON.stringify(posted.body));
      const job = await waitJob(api.url, posted.body.id as string);
      assert.equal(job.state, 'done', job.error ?? '');
      const res = await fetch(`${api.url}/v1/jobs/${job.id}/result`);
      assert.equal(res.headers.get('content-type'), type);
      const bytes = Buffer.from(await res.arrayBuffer());
      if (type === 'image/png') assert.equal(bytes.readUInt32BE(0), 0x89504e47);
      else assert.equal((JSON.parse(bytes.toString()) as { motion: unknown[] }).motion.length, 12);
    }
  });

  test('bad input: no face and a corrupt video fail with the CLI message and leave nothing behind; bad options are refused', async () => {
    const inp = await inputs();
    const noFace = await postJob(api.url, { source: inp.noFace, driving: inp.driving, options: { frames: 10 } });
    assert.equal(noFace.status, 202);
    const corrupt = await postJob(api.url, { source: inp.source, driving: inp.corrupt });
    assert.equal(corrupt.status, 202, JSON.stringify(corrupt.body));
    const a = await waitJob(api.url, noFace.body.id as string);
    assert.equal(a.state, 'failed');
    assert.match(a.error!, /no face found in source\.png/);
    assert.doesNotMatch(a.error!, new RegExp(storage), 'no server paths in errors');
    const b = await waitJob(api.url, corrupt.body.id as string);
    assert.equal(b.state, 'failed');
    assert.match(b.error!, /driving\.mp4 is not a readable video/);
    assert.deepEqual(await filesUnder(join(storage, 'jobs', a.id)), []);
    assert.deepEqual(await filesUnder(join(storage, 'jobs', b.id)), []);

    const bad = await postJob(api.url, { source: inp.source, driving: inp.driving, options: { multiplier: 11 } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'Expected a number between 0 and 10 for --multiplier but received 11 of type number');
    const region = await postJob(api.url, { source: inp.source, driving: inp.driving, options: { region: 'nose' } });
    assert.equal(region.status, 400);
    assert.match(region.body.error as string, /Expected one of .* for --region but received 'nose'/);
    const unknown = await postJob(api.url, { source: inp.source, driving: inp.driving, options: { colour: 1 } });
    assert.equal(unknown.status, 400);
    const notMedia = join(inp.dir, 'notes.txt');
    await writeFile(notMedia, 'just text');
    const typed = await postJob(api.url, { source: notMedia, driving: inp.driving });
    assert.equal(typed.status, 400);
    assert.match(typed.body.error as string, /source: unrecognised file type/);
    const missing = await postJob(api.url, { source: inp.source });
    assert.equal(missing.status, 400);
    assert.match(missing.body.error as string, /missing driving/);
  });
});

describe('service: keys, limits and an unreachable Redis', { skip }, () => {
  let redis: RedisServer;
  let api: ApiServer;
  let storage: string;
  const keyA = 'key-a-0123456789abcdef';
  const keyB = 'key-b-0123456789abcdef';

  before(async () => {
    const inp = await inputs();
    redis = await startRedis();
    storage = await mkdtemp(join(tmpdir(), 'lp-svc-store-'));
    const keys = join(inp.dir, 'keys.txt');
    await writeFile(keys, `# one key a line\n${keyA}\n`);
    api = await startServe(['--redis', redis.url, '--storage', storage, '--models', inp.pack, '--workers', '0', '--api-keys', keys, '--max-upload', '20KB', '--max-jobs', '2'], { LIVEPORTRAIT_API_KEYS: keyB });
  });

  test('serve refuses to start without keys unless --no-auth is given', async () => {
    const r = await runCli(['serve', '--port', '0', '--redis', redis.url, '--storage', storage, '--workers', '0'], { LIVEPORTRAIT_API_KEYS: '' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no API keys: give --api-keys FILE or LIVEPORTRAIT_API_KEYS, or --no-auth/);
  });

  test('no key and a wrong key get 401; a key sees only its own jobs', async () => {
    const inp = await inputs();
    const upload = { source: inp.noFace, driving: inp.tiny };
    const none = await postJob(api.url, upload);
    assert.equal(none.status, 401);
    assert.equal((await postJob(api.url, upload, 'not-a-key-0123456789')).status, 401);
    const mine = await postJob(api.url, upload, keyA);
    assert.equal(mine.status, 202, JSON.stringify(mine.body));
    const id = mine.body.id as string;
    assert.equal((await getJson(`${api.url}/v1/jobs/${id}`, keyA)).status, 200);
    assert.equal((await getJson(`${api.url}/v1/jobs/${id}`, keyB)).status, 404, "another key's job does not exist for it");
    assert.equal((await getJson(`${api.url}/v1/jobs/${id}`)).status, 401);
    assert.equal((await fetch(`${api.url}/v1/jobs/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${keyB}` } })).status, 404);
    assert.equal((await fetch(`${api.url}/v1/jobs/${id}/result`, { headers: { authorization: `Bearer ${keyA}` } })).status, 409, 'not done: no result yet');
    // Health and metrics need no key and name no job.
    assert.equal((await getJson(`${api.url}/v1/health`)).status, 200);
    assert.doesNotMatch(await (await fetch(`${api.url}/metrics`)).text(), new RegExp(id));
    // --max-jobs 2: a third unfinished job of the same key is refused.
    assert.equal((await postJob(api.url, upload, keyA)).status, 202);
    const third = await postJob(api.url, upload, keyA);
    assert.equal(third.status, 429);
    assert.match(third.body.error as string, /at most 2 unfinished jobs per key/);
    assert.equal((await fetch(`${api.url}/v1/jobs/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${keyA}` } })).status, 200);
  });

  test('an upload over --max-upload is refused with 413 and nothing is kept', async () => {
    const inp = await inputs();
    const before = await filesUnder(storage);
    const r = await postJob(api.url, { source: inp.source, driving: inp.tiny }, keyB);
    assert.equal(r.status, 413);
    assert.match(r.body.error as string, /--max-upload/);
    assert.deepEqual(await filesUnder(storage), before, 'nothing of the refused upload is kept');
  });

  test('--max-storage: a job that would exceed the storage limit is refused with 507', async () => {
    const inp = await inputs();
    const full = await startServe(['--redis', redis.url, '--storage', storage, '--models', inp.pack, '--workers', '0', '--no-auth', '--max-storage', '1KB']);
    try {
      const r = await postJob(full.url, { source: inp.noFace, driving: inp.tiny });
      assert.equal(r.status, 507);
      assert.match(r.body.error as string, /--max-storage/);
    } finally {
      await full.stop();
    }
  });

  test('Redis unreachable: health says so and POST answers 503 at once', async () => {
    const inp = await inputs();
    await redis.stop();
    await new Promise((r) => setTimeout(r, 300));
    const health = await getJson(`${api.url}/v1/health`);
    assert.equal(health.status, 503);
    assert.deepEqual(health.body, { status: 'unavailable', redis: 'unreachable', workers: 0 });
    const t0 = Date.now();
    const r = await postJob(api.url, { source: inp.noFace, driving: inp.tiny }, keyA);
    assert.equal(r.status, 503);
    assert.match(r.body.error as string, /Redis\) is unreachable/);
    assert.ok(Date.now() - t0 < 3000, `answered in ${Date.now() - t0} ms`);
  });
});

describe('service: faults', { skip }, () => {
  let redis: RedisServer;
  let storage: string;
  let common: string[];

  before(async () => {
    const inp = await inputs();
    redis = await startRedis();
    storage = await mkdtemp(join(tmpdir(), 'lp-svc-store-'));
    common = ['--redis', redis.url, '--storage', storage, '--models', inp.pack, '--threads', '1', '-q'];
  });

  test('worker --precision int8 loads the pack with that precision (and says which roles run int8)', async () => {
    const args = common.filter((a) => a !== '-q');
    const w = await startWorkerProcess([...args, '--precision', 'int8']);
    try {
      assert.match(w.output(), /precision int8: this pack has no int8 variants/);
    } finally {
      await w.stop();
    }
  });

  test('a worker killed mid-chunk and an API restart: the chunk goes to the other worker, the job completes with every frame once, results expire', async () => {
    const inp = await inputs();
    let api = await startServe([...common, '--workers', '0', '--no-auth', '--chunk-frames', '20']);
    const fast = ['--lock-duration', '3s', '--stalled-interval', '1s'];
    const a = await startWorkerProcess([...common, ...fast]);
    const b = await startWorkerProcess([...common, ...fast]);
    const posted = await postJob(api.url, { source: inp.source, driving: inp.driving, options: { frames: 60, format: 'png' } });
    assert.equal(posted.status, 202, JSON.stringify(posted.body));
    const id = posted.body.id as string;
    const pidA = String(a.child.pid);
    const running = await waitJob(api.url, id, undefined, (j) => j.chunks.some((c) => c.state === 'active' && c.done > 0 && c.worker!.endsWith(`:${pidA}`)));
    const killed = running.chunks.find((c) => c.state === 'active' && c.worker!.endsWith(`:${pidA}`))!;
    await a.stop('SIGKILL');
    // The API restarts meanwhile: jobs live in Redis, not in the API process.
    await api.stop();
    api = await startServe([...common, '--workers', '0', '--no-auth', '--retain', '2s', '--sweep-interval', '500ms']);
    const job = await waitJob(api.url, id);
    assert.equal(job.state, 'done', job.error ?? '');
    const chunk = job.chunks[killed.index];
    assert.equal(chunk.state, 'done');
    assert.ok(chunk.worker!.endsWith(`:${b.child.pid}`), `the killed chunk was finished by the other worker: ${JSON.stringify(chunk)}`);
    assert.equal(chunk.attempts, 2);
    assert.deepEqual(job.progress, { done: 60, total: 60 });
    const dir = await mkdtemp(join(tmpdir(), 'lp-svc-kill-'));
    await writeFile(join(dir, 'r.tar'), Buffer.from(await (await fetch(`${api.url}/v1/jobs/${id}/result`)).arrayBuffer()));
    assert.equal(spawnSync('tar', ['-xf', join(dir, 'r.tar'), '-C', dir]).status, 0);
    const frames = (await readdir(dir)).filter((f) => f.endsWith('.png')).sort();
    assert.deepEqual(frames, Array.from({ length: 60 }, (_, i) => `${String(i + 1).padStart(6, '0')}.png`), 'every frame exactly once');
    // --retain 2s: the sweep deletes the result and marks the job expired.
    const expired = await waitJob(api.url, id, undefined, (j) => j.state === 'expired', 20_000);
    assert.equal(expired.state, 'expired');
    assert.equal((await fetch(`${api.url}/v1/jobs/${id}/result`)).status, 409);
    assert.deepEqual(await filesUnder(join(storage, 'jobs', id)), []);
    await b.stop();
    await api.stop();
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeStandinPack } from '../../src/models/standin-pack.js';
import { STAGES } from '../../src/pipeline/timings.js';
import { BenchRecorder, median } from '../../src/bench/recorder.js';
import type { BenchResult } from '../../src/bench/run-bench.js';
import { needsShared, needsFfmpeg, sharedPath } from '../helpers/shared.js';

const CLI = 'dist/src/cli/bin.js';

test('BenchRecorder: medians over measured frames, model-only and overhead', () => {
  const r = new BenchRecorder(1);
  const stageMs: Record<string, number> = { decode: 1, detect: 0, crop: 2, motion: 10, stitching: 1, warp: 100, paste: 5, encode: 3 };
  for (let f = 0; f < 4; f++) {
    for (const s of STAGES) r.record(s, f, f === 0 ? 1000 : stageMs[s]);
    r.record('stitching', f, 1); // a stage may report twice in a frame: the times add up
  }
  const s = r.summary();
  assert.equal(s.measuredFrames, 3);
  assert.equal(s.stages.warp.medianMs, 100);
  assert.equal(s.stages.stitching.medianMs, 2);
  assert.equal(s.modelMs, 112);
  assert.equal(s.stageSumMs, 123);
  assert.equal(median([3, 1, 2, 10]), 2.5);
  assert.ok(Number.isNaN(s.frameMs), 'no frames completed, no frame interval');
});

test('bench --json on a stand-in pack reports every stage with sane numbers', { skip: needsShared || needsFfmpeg }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lp-bench-'));
  try {
    await writeStandinPack(join(dir, 'pack'));
    const run = spawnSync(
      process.execPath,
      [CLI, 'bench', '--json', '--models', join(dir, 'pack'), '--frames', '3', '--warmup', '1', '--crop-driving', 'on', '--model-frames', '2', '--driving', sharedPath('samples/driving/d0.mp4'), '--source', sharedPath('samples/source/s9.jpg')],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(run.status, 0, run.stderr);
    const r = JSON.parse(run.stdout) as BenchResult;
    assert.equal(r.timing.measuredFrames, 3);
    assert.equal(r.warmupFrames, 1);
    assert.deepEqual(Object.keys(r.timing.stages), [...STAGES]);
    for (const stage of STAGES) {
      const s = r.timing.stages[stage];
      assert.ok(Number.isFinite(s.medianMs) && s.medianMs >= 0, `${stage} median ${s.medianMs}`);
      assert.ok(s.meanMs >= 0 && s.meanMs < 60_000, `${stage} mean ${s.meanMs}`);
    }
    // Per-frame tracking is on (--crop-driving on) and paste-back is on: those stages really ran.
    for (const stage of ['decode', 'detect', 'motion', 'warp', 'paste'] as const) assert.ok(r.timing.stages[stage].meanMs > 0, `${stage} was not timed`);
    assert.ok(r.timing.modelMs > 0 && r.timing.modelMs <= r.timing.stageSumMs + 1e-9);
    assert.ok(r.timing.frameMs > 0 && Math.abs(r.timing.fps * r.timing.frameMs - 1000) < 1e-6);
    assert.equal(r.modelOnly.frames, 2);
    assert.ok(r.modelOnly.totalMs > 0 && r.modelOnly.totalMs >= r.modelOnly.warpMs);
    assert.ok(Math.abs(r.overhead - r.timing.frameMs / r.modelOnly.totalMs) < 1e-9);
    assert.ok(r.peakRssBytes > 20 * 2 ** 20 && r.peakRssBytes < 8 * 2 ** 30, `peak RSS ${r.peakRssBytes}`);
    assert.deepEqual([r.source.width, r.source.height], [720, 1280]);
    assert.deepEqual([r.output.width, r.output.height, r.output.pasteback], [720, 1280, true]);
    assert.equal(r.pack.kind, 'standin');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench --faces: ms/frame for 1 and 2 faces and the ratio to N × the single-face W+G time', { skip: needsShared || needsFfmpeg }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lp-bench-faces-'));
  try {
    await writeStandinPack(join(dir, 'pack'), { real: sharedPath('models') });
    const run = spawnSync(
      process.execPath,
      [CLI, 'bench', '--json', '--faces', '1,2', '--models', join(dir, 'pack'), '--frames', '2', '--warmup', '0', '--model-frames', '1', '--driving', sharedPath('samples/driving/d0.mp4')],
      { encoding: 'utf8', timeout: 240_000 },
    );
    assert.equal(run.status, 0, run.stderr);
    const rows = JSON.parse(run.stdout) as { faces: number; frameMs: number; singleWarpMs: number; ratio: number; result: BenchResult }[];
    assert.deepEqual(rows.map((r) => r.faces), [1, 2]);
    for (const r of rows) {
      assert.ok(r.frameMs > 0 && r.singleWarpMs > 0, `faces ${r.faces}: ${r.frameMs} ms/frame, W+G ${r.singleWarpMs}`);
      assert.ok(Math.abs(r.ratio - r.frameMs / (r.faces * r.singleWarpMs)) < 1e-9);
      assert.equal(r.result.timing.measuredFrames, 2);
    }
    assert.ok(rows[1].result.source.width > rows[0].result.source.width, 'the 2-face picture is wider');
    const bad = spawnSync(process.execPath, [CLI, 'bench', '--faces', '4', '--models', join(dir, 'pack')], { encoding: 'utf8' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--faces/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A fresh stand-in pack and the bench arguments for a 2-frame run on it (s9.jpg); removed afterwards. */
async function withStandinBench(prefix: string, flags: readonly string[], body: (args: string[]) => void | Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    await writeStandinPack(join(dir, 'pack'));
    await body([CLI, 'bench', ...flags, '--models', join(dir, 'pack'), '--frames', '2', '--warmup', '0', '--model-frames', '1', '--source', sharedPath('samples/source/s9.jpg')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the CLI with `args`; it must exit 0. Returns its stdout. */
function stdoutOf(args: readonly string[]): string {
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

test('bench --compare-precision runs fp32 and int8 in separate processes and prints them side by side', { skip: needsShared || needsFfmpeg }, () =>
  withStandinBench('lp-bench-prec-', ['--compare-precision'], (args) => {
    const c = JSON.parse(stdoutOf([...args, '--json'])) as { runs: Record<'fp32' | 'int8', BenchResult>; warpSpeedup: number };
    assert.equal(c.runs.fp32.precision, 'fp32');
    assert.equal(c.runs.int8.precision, 'int8');
    assert.deepEqual(c.runs.int8.quantizedRoles, [], 'the stand-in pack has no int8 variants');
    assert.ok(c.runs.fp32.peakRssBytes > 0 && c.runs.int8.peakRssBytes > 0, 'a peak RSS per precision');
    assert.ok(Number.isFinite(c.warpSpeedup) && c.warpSpeedup > 0);
    const text = stdoutOf(args);
    assert.match(text, /stage \(median ms\/frame\)\s+fp32\s+int8/);
    assert.match(text, /W\+G speed-up int8 over fp32: [\d.]+× \(target ≥ 2×\)/);
    assert.match(text, /peak RSS\s+\d+ MiB\s+\d+ MiB/);
  }),
);

test('bench --load 1 runs idle and with one competing process and prints both overheads', { skip: needsShared || needsFfmpeg }, () =>
  withStandinBench('lp-bench-load-', ['--load', '1'], (args) => {
    const c = JSON.parse(stdoutOf([...args, '--json'])) as { load: number; idle: BenchResult; loaded: BenchResult };
    assert.equal(c.load, 1);
    for (const r of [c.idle, c.loaded]) assert.ok(Number.isFinite(r.overhead) && r.overhead > 0 && r.timing.measuredFrames === 2, JSON.stringify(r.timing));
    const text = stdoutOf(args);
    assert.match(text, /stage \(median ms\/frame\)\s+idle\s+load 1/);
    assert.match(text, /overhead idle [\d.]+ \((met|NOT met)\), with 1 competing process [\d.]+ \((met|NOT met)\); target ≤ 1.05 in both/);
    const both = spawnSync(process.execPath, [...args, '--compare-precision'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(both.status, 1);
    assert.match(both.stderr, /--compare-precision and --load each run two benchmarks/);
  }),
);

test('a competing process of bench --load exits when the benchmark process is gone', async () => {
  // A parent that starts one busy process, prints its pid and exits at once.
  const parent = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `const { startBusyProcess } = await import(${JSON.stringify(new URL('../../src/bench/contention.js', import.meta.url).href)}); const p = startBusyProcess(); p.unref(); console.log(p.pid);`],
    { encoding: 'utf8', timeout: 30_000 },
  );
  assert.equal(parent.status, 0, parent.stderr);
  const pid = Number(parent.stdout.trim());
  assert.ok(pid > 0);
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(alive(), false, 'the busy process exited after its parent');
});

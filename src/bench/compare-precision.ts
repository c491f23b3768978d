/**
 * `bench --compare-precision`: the same benchmark with fp32 and with int8, each in its own process (so
 * each peak RSS is its own), printed side by side. Node only.
 */
import { DEFAULT_CLI, runChild } from './memory.js';
import { STAGE_LABELS, mib, ms, precisionLabel, type BenchResult } from './run-bench.js';
import { PRECISIONS, type Precision } from '../settings.js';

export interface PrecisionComparison {
  readonly runs: Readonly<Record<Precision, BenchResult>>;
  /** fp32 W+G ms ÷ int8 W+G ms, from the model-only pass (target ≥ 2). */
  readonly warpSpeedup: number;
  /** fp32 end-to-end ms ÷ int8 end-to-end ms. */
  readonly frameSpeedup: number;
}

/** Runs `bench --json <args> --precision P` for fp32 then int8. `args` must not hold --precision or --json. */
export async function comparePrecision(args: readonly string[], onRun?: (precision: Precision) => void, cli = DEFAULT_CLI): Promise<PrecisionComparison> {
  const runs = {} as Record<Precision, BenchResult>;
  for (const precision of PRECISIONS) {
    onRun?.(precision);
    runs[precision] = JSON.parse(await runChild(cli, ['bench', '--json', ...args, '--precision', precision])) as BenchResult;
  }
  return {
    runs,
    warpSpeedup: runs.fp32.modelOnly.warpMs / runs.int8.modelOnly.warpMs,
    frameSpeedup: runs.fp32.timing.frameMs / runs.int8.timing.frameMs,
  };
}

/** A figure parsed back from a child's JSON (NaN arrives as null). */
const fixed = (v: number | null, digits: number) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '-');
const num = (v: number | null) => (typeof v === 'number' ? v : NaN);

/** The per-stage table with one column per precision and their ratio. */
export function formatPrecisionComparison(c: PrecisionComparison): string {
  const a = c.runs.fp32;
  const b = c.runs.int8;
  const row = (label: string, x: number, y: number) => `${label.padEnd(36)}${ms(num(x)).padStart(11)}${ms(num(y)).padStart(11)}${fixed(num(x) / num(y), 2).padStart(9)}×`;
  const lines = [
    `pack ${a.pack.name} (${a.pack.kind}) from ${a.pack.dir}; device ${a.device}, threads ${a.threads || 'auto'}; ${a.cpu.cores} × ${a.cpu.model}`,
    `int8 run: ${precisionLabel(b)}`,
    `${a.warmupFrames} warm-up + ${a.timing.measuredFrames} measured frames each, each precision in its own process; medians`,
    '',
    `${'stage (median ms/frame)'.padEnd(36)}${'fp32'.padStart(11)}${'int8'.padStart(11)}${'fp32/int8'.padStart(10)}`,
  ];
  for (const stage of Object.keys(a.timing.stages)) {
    const x = a.timing.stages[stage as keyof typeof a.timing.stages];
    const y = b.timing.stages[stage as keyof typeof b.timing.stages];
    if (x && y) lines.push(row(STAGE_LABELS[stage] ?? stage, x.medianMs, y.medianMs));
  }
  lines.push(
    '',
    row('end-to-end (overlapped)', a.timing.frameMs, b.timing.frameMs),
    row('model-only M', a.modelOnly.motionMs, b.modelOnly.motionMs),
    row('model-only W+G', a.modelOnly.warpMs, b.modelOnly.warpMs),
    row('model-only total', a.modelOnly.totalMs, b.modelOnly.totalMs),
    `${'overhead (end-to-end ÷ model-only)'.padEnd(36)}${fixed(a.overhead, 3).padStart(11)}${fixed(b.overhead, 3).padStart(11)}`,
    `${'peak RSS'.padEnd(36)}${mib(a.peakRssBytes).padStart(11)}${mib(b.peakRssBytes).padStart(11)}`,
    `${'model loading ms'.padEnd(36)}${ms(a.loadMs).padStart(11)}${ms(b.loadMs).padStart(11)}`,
    '',
    `W+G speed-up int8 over fp32: ${fixed(c.warpSpeedup, 2)}× (target ≥ 2×); end-to-end: ${fixed(c.frameSpeedup, 2)}×`,
    'Render quality of the int8 variants: see the pack\'s quantize-report.json (printed by `liveportrait models quantize`).',
  );
  return lines.join('\n');
}

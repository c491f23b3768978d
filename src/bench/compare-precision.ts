/**
 * `bench --compare-precision`: the same benchmark with fp32 and with int8, each in its own process (so
 * each peak RSS is its own), printed side by side. Node only.
 */
import { DEFAULT_CLI, runChild } from './memory.js';
import { precisionLabel, type BenchResult } from './run-bench.js';
import { fixed, runHeader, sideBySideTable } from './side-by-side.js';
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

/** The per-stage table with one column per precision and their ratio. */
export function formatPrecisionComparison(c: PrecisionComparison): string {
  const a = c.runs.fp32;
  const b = c.runs.int8;
  return [
    runHeader(a),
    `int8 run: ${precisionLabel(b)}`,
    `${a.warmupFrames} warm-up + ${a.timing.measuredFrames} measured frames each, each precision in its own process; medians`,
    '',
    ...sideBySideTable(['fp32', 'int8'], a, b),
    '',
    `W+G speed-up int8 over fp32: ${fixed(c.warpSpeedup, 2)}× (target ≥ 2×); end-to-end: ${fixed(c.frameSpeedup, 2)}×`,
    'Render quality of the int8 variants: see the pack\'s quantize-report.json (printed by `liveportrait models quantize`).',
  ].join('\n');
}

/**
 * Two benchmark runs in one table (per-stage medians, end-to-end, model-only, overhead, peak RSS,
 * loading), with their ratio: what `bench --compare-precision` and `bench --load` print. Pure.
 */
import { STAGE_LABELS, mib, ms, type BenchResult } from './run-bench.js';

/** A figure parsed back from a child's JSON (NaN arrives as null). */
export const fixed = (v: number | null, digits: number) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '-');
const num = (v: number | null) => (typeof v === 'number' ? v : NaN);

/** The per-stage table with one column per run and the first ÷ second ratio. */
export function sideBySideTable(labels: readonly [string, string], a: BenchResult, b: BenchResult): string[] {
  const row = (label: string, x: number, y: number) => `${label.padEnd(36)}${ms(num(x)).padStart(11)}${ms(num(y)).padStart(11)}${fixed(num(x) / num(y), 2).padStart(13)}×`;
  const lines = [`${'stage (median ms/frame)'.padEnd(36)}${labels[0].padStart(11)}${labels[1].padStart(11)}${`${labels[0]} / ${labels[1]}`.padStart(14)}`];
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
  );
  return lines;
}

/** The line naming the pack, device, threads and CPU of a run. */
export function runHeader(r: BenchResult): string {
  return `pack ${r.pack.name} (${r.pack.kind}) from ${r.pack.dir}; device ${r.device}, threads ${r.threads || `auto (${r.cpu.cores})`}; ${r.cpu.cores} × ${r.cpu.model}`;
}

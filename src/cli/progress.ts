/**
 * Progress for long work: a live bar with rate and ETA on a TTY, plain periodic lines otherwise
 * (logs, CI), nothing when quiet.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number, total?: number, detail?: string): void;
  stop(finalLine?: string): void;
}

export interface ProgressOptions {
  readonly label: string;
  readonly total?: number;
  /** Unit shown after the numbers (e.g. 'frames', 'MB'). */
  readonly unit?: string;
  readonly quiet?: boolean;
  readonly stream?: NodeJS.WriteStream;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { update() {}, stop() {} };
  const unit = options.unit ?? '';
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${options.label} [{bar}] {percentage}% {value}/{total} ${unit} | {rate} | ETA {eta_formatted} {detail}`,
        stream,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 30,
      },
      cliProgress.Presets.shades_classic,
    );
    const started = Date.now();
    let startedBar = false;
    const rate = (v: number) => `${(v / Math.max((Date.now() - started) / 1000, 1e-3)).toFixed(1)} ${unit}/s`;
    return {
      update(value, total, detail = '') {
        if (!startedBar) {
          bar.start(total ?? options.total ?? 0, value, { rate: rate(value), detail });
          startedBar = true;
        }
        if (total !== undefined) bar.setTotal(total);
        bar.update(value, { rate: rate(value), detail });
      },
      stop(finalLine) {
        if (startedBar) bar.stop();
        if (finalLine) stream.write(`${finalLine}\n`);
      },
    };
  }
  let lastPrint = 0;
  const started = Date.now();
  return {
    update(value, total, detail = '') {
      const now = Date.now();
      const t = total ?? options.total;
      if (now - lastPrint < 2000 && !(t !== undefined && value >= t)) return;
      lastPrint = now;
      const secs = (now - started) / 1000;
      const r = value / Math.max(secs, 1e-3);
      const eta = t !== undefined && r > 0 ? ` eta ${Math.max(0, (t - value) / r).toFixed(0)}s` : '';
      const pct = t ? ` (${((100 * value) / t).toFixed(0)}%)` : '';
      stream.write(`${options.label}: ${value}${t !== undefined ? `/${t}` : ''} ${unit}${pct} ${r.toFixed(1)} ${unit}/s${eta}${detail ? ` ${detail}` : ''}\n`);
    },
    stop(finalLine) {
      if (finalLine) stream.write(`${finalLine}\n`);
    },
  };
}

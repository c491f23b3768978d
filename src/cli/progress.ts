/**
 * Progress for long work: a live bar with rate and ETA on a TTY, plain periodic lines otherwise
 * (logs, CI: never a carriage return), nothing when quiet. The ETA appears once it means something.
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

/** Units that must be done after the first update before a rate (and so an ETA) is trusted. */
const ETA_MIN_UNITS = 2;
/** …and the seconds they must span. */
const ETA_MIN_SECONDS = 1;

/**
 * Rate and ETA measured from the first update on: the first unit of work includes one-off costs
 * (model warm-up, the source's preparation), so a rate that counts it would promise far too long.
 */
export class RateEstimator {
  private first?: { value: number; time: number };

  constructor(private readonly now: () => number = Date.now) {}

  /** Units per second since the first update, once measured over enough work; else undefined. */
  rate(value: number): number | undefined {
    const t = this.now();
    if (!this.first) {
      this.first = { value, time: t };
      return undefined;
    }
    const units = value - this.first.value;
    const secs = (t - this.first.time) / 1000;
    return units >= ETA_MIN_UNITS && secs >= ETA_MIN_SECONDS ? units / secs : undefined;
  }

  /** Seconds left, or undefined while the rate is not yet meaningful. */
  eta(value: number, total: number | undefined): number | undefined {
    const r = this.rate(value);
    return r && total !== undefined ? Math.max(0, (total - value) / r) : undefined;
  }
}

const formatSeconds = (s: number): string => (s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`);

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { update() {}, stop() {} };
  const unit = options.unit ?? '';
  const estimator = new RateEstimator();
  const figures = (value: number, total: number | undefined) => {
    const r = estimator.rate(value);
    const eta = r && total !== undefined ? Math.max(0, (total - value) / r) : undefined;
    return { rate: r !== undefined ? `${r.toFixed(1)} ${unit}/s` : '', eta: eta !== undefined && value < (total ?? Infinity) ? `eta ${formatSeconds(eta)}` : '' };
  };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${options.label} [{bar}] {percentage}% {value}/{total} ${unit} {rate} {eta} {detail}`,
        stream,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    let startedBar = false;
    return {
      update(value, total, detail = '') {
        const t = total ?? options.total;
        const f = figures(value, t);
        if (!startedBar) {
          bar.start(t ?? 0, value, { ...f, detail });
          startedBar = true;
        }
        if (total !== undefined) bar.setTotal(total);
        bar.update(value, { ...f, detail });
      },
      stop(finalLine) {
        if (startedBar) bar.stop();
        startedBar = false;
        if (finalLine) stream.write(`${finalLine}\n`);
      },
    };
  }
  let lastPrint = 0;
  return {
    update(value, total, detail = '') {
      const now = Date.now();
      const t = total ?? options.total;
      const f = figures(value, t);
      if (now - lastPrint < 2000 && !(t !== undefined && value >= t)) return;
      lastPrint = now;
      const pct = t ? ` (${((100 * value) / t).toFixed(0)}%)` : '';
      const parts = [`${options.label}: ${value}${t !== undefined ? `/${t}` : ''} ${unit}${pct}`, f.rate, f.eta, detail].filter(Boolean);
      stream.write(`${parts.join(' ')}\n`);
    },
    stop(finalLine) {
      if (finalLine) stream.write(`${finalLine}\n`);
    },
  };
}

/** `liveportrait bench [memory]`: real-cost benchmarks of the animation pipeline (see README, Performance). */
import { Argument, Command, Option } from 'commander';
import { DEFAULTS, DEVICES, type Device, type Precision } from '../../settings.js';
import { parseThreads } from '../threads.js';
import { expectInteger, parseNumberOption } from '../../validate.js';
import { packDirectory } from '../../models/paths.js';
import { DRIVING_CROP_MODES, type DrivingCropMode } from '../../pipeline/options.js';
import { defaultBenchInputs, formatBench, formatFacesBench, mib, runBench, runFacesBench, FACES_BENCH_PORTRAITS } from '../../bench/run-bench.js';
import { runMemoryBench } from '../../bench/memory.js';
import { formatServiceBench, runServiceBench, type WorkerLayout } from '../../service/bench.js';
import { SERVICE_DEFAULTS } from '../../service/config.js';
import { comparePrecision, formatPrecisionComparison } from '../../bench/compare-precision.js';
import { compareLoad, formatLoadComparison } from '../../bench/contention.js';
import { precisionOption } from './animate.js';
import { createProgress } from '../progress.js';

interface BenchOpts {
  models?: string;
  device: Device;
  threads?: number;
  precision: Precision;
  comparePrecision?: boolean;
  load?: number;
  frames?: string;
  warmup: number;
  modelFrames: number;
  source?: string;
  driving?: string;
  output?: string;
  cropDriving: DrivingCropMode;
  pasteback: boolean;
  json?: boolean;
  jobs: number;
  workers: string;
  jobFrames: number;
  chunkFrames: number;
  faces?: number[];
}

/** '1,2' (one thread each unless --threads) or '1x2,2x1' (workers × threads). */
function workerLayouts(text: string, threads: number | undefined): WorkerLayout[] {
  return text.split(',').map((part) => {
    const [w, t] = part.trim().split('x');
    return {
      workers: expectInteger('--workers', parseNumberOption('--workers', w), 1),
      threads: t === undefined ? (threads ?? 1) : expectInteger('--workers', parseNumberOption('--workers', t), 1),
    };
  });
}

/** `--faces N` measures 1…N faces; `--faces 1,3` those counts. */
function faceCounts(text: string): number[] {
  const max = FACES_BENCH_PORTRAITS.length;
  const counts = text.split(',').map((part) => expectInteger('--faces', parseNumberOption('--faces', part.trim()), 1, max));
  return counts.length === 1 ? Array.from({ length: counts[0] }, (_, i) => i + 1) : counts;
}

const int = (name: string, min = 0) => (text: string) => expectInteger(name, parseNumberOption(name, text), min);

function frameCounts(text: string): number[] {
  return text.split(',').map((part) => expectInteger('--frames', parseNumberOption('--frames', part.trim()), 1));
}

export function registerBench(program: Command): Command {
  return program
    .command('bench')
    .description('benchmark the real pipeline (video → mp4 with paste-back): per-stage ms, fps, overhead, peak RSS; or `bench memory`')
    .addArgument(new Argument('[mode]', 'speed (default), memory (peak RSS of a short and a long run, each in its own process) or service (HTTP API + workers vs animate)').choices(['speed', 'memory', 'service']).default('speed'))
    .addOption(new Option('--models <dir>', 'model pack directory (e.g. a forged pack: liveportrait models forge DIR)'))
    .addOption(new Option('--device <name>', 'execution provider').choices(DEVICES.filter((d) => d !== 'wasm')).default('cpu'))
    .addOption(new Option('--threads <n>', `onnxruntime intra-op threads (0 = one per core present; at most ${DEFAULTS.runtime.maxThreadsPerCore}× the cores)`).argParser(parseThreads))
    .addOption(precisionOption())
    .option('--compare-precision', 'run the speed benchmark with fp32 and with int8 (each in its own process) and print them side by side')
    .addOption(
      new Option('--load <n>', 'run the speed benchmark idle, then with N CPU-bound processes competing for the cores (each run in its own process), and print both overheads').argParser(
        int('--load', 1),
      ),
    )
    .option('--frames <n>', 'measured frames (speed, default 10), or comma-separated frame counts (memory, default 30,300)')
    .addOption(new Option('--warmup <k>', 'frames run before measuring (speed)').argParser(int('--warmup')).default(2))
    .option('--source <image>', 'source portrait (default ../shared/samples/source/s9.jpg, 720×1280)')
    .option('--driving <video>', 'driving video (default ../shared/samples/driving/d0.mp4; memory: d6.mp4, 1008 frames)')
    .addOption(new Option('--model-frames <n>', 'frames of the isolated model-only pass (speed)').argParser(int('--model-frames', 1)).default(3))
    .option('-o, --output <file>', 'keep the rendered video here (default: a temporary file, removed)')
    .addOption(new Option('--crop-driving <mode>', 'crop driving frames around the face (on: time per-frame detection/tracking)').choices(DRIVING_CROP_MODES).default('auto'))
    .option('--no-pasteback', 'time the 512×512 render without paste-back')
    .option('--json', 'print the result as JSON')
    .addOption(new Option('--jobs <n>', 'service: jobs submitted at once').argParser(int('--jobs', 1)).default(20))
    .option('--workers <list>', "service: worker layouts to compare, e.g. '1,2' or '1x2,2x1' (workers × threads)", '1,2')
    .addOption(new Option('--job-frames <n>', 'service: frames per job').argParser(int('--job-frames', 1)).default(100))
    .addOption(new Option('--chunk-frames <n>', 'service: frames per render job').argParser(int('--chunk-frames', 1)).default(SERVICE_DEFAULTS.chunkFrames))
    .addOption(
      new Option('--faces <n>', `multi-face speed: 1…N faces (N ≤ ${FACES_BENCH_PORTRAITS.length}) side by side, one driver, ms/frame and the ratio to N × the single-face W+G time`).argParser(
        faceCounts,
      ),
    )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  liveportrait models forge packs/forged && liveportrait bench --models packs/forged --frames 10\n' +
        '  liveportrait models standins packs/standins && liveportrait bench memory --models packs/standins --frames 30,300\n' +
        '  liveportrait bench service --models packs/standins --jobs 20 --workers 1,2   (needs redis-server)\n' +
        '  liveportrait bench --models packs/forged --faces 3 --frames 10     (1, 2 and 3 faces)\n' +
        '  liveportrait bench --models packs/forged --load 1 --frames 6      (overhead idle and with one competing process)\n' +
        'Per-stage times are medians over the measured frames; end-to-end is the median interval between\n' +
        'finished frames, so work that overlaps (decode and M ahead of W+G, encoding behind it) is counted once.',
    )
    .action(async (mode: 'speed' | 'memory' | 'service', o: BenchOpts) => {
      const defaults = defaultBenchInputs();
      const source = o.source ?? defaults.source;
      const driving = o.driving ?? (mode === 'memory' ? defaults.longDriving : defaults.driving);
      if (!source) throw new Error('missing --source: no default portrait (../shared/samples/source/s9.jpg is not there)');
      if (!driving) throw new Error('missing --driving: no default driving video (../shared/samples/driving is not there)');
      const models = packDirectory({ models: o.models });
      const log = (line: string) => {
        if (!o.json) process.stderr.write(line);
      };
      if (mode === 'service') {
        const r = await runServiceBench({
          models,
          source,
          driving,
          jobs: o.jobs,
          frames: o.jobFrames,
          chunkFrames: o.chunkFrames,
          layouts: workerLayouts(o.workers, o.threads),
          cli: process.argv[1],
          log,
        });
        process.stdout.write(o.json ? `${JSON.stringify(r, null, 2)}\n` : `${formatServiceBench(r)}\n`);
        return;
      }
      if (mode === 'memory') {
        const frames = frameCounts(o.frames ?? '30,300');
        const r = await runMemoryBench({ models, source, driving, frames, threads: o.threads, onRun: (n) => log(`running ${n} frames in a child process…\n`) });
        if (o.json) {
          process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
          return;
        }
        for (const run of r.runs) process.stdout.write(`${String(run.frames).padStart(6)} frames  peak RSS ${mib(run.peakRssBytes).padStart(9)}  (${run.fps.toFixed(1)} fps)\n`);
        process.stdout.write(`ratio ${r.ratio.toFixed(3)} (flat memory: within 1.15)\n`);
        return;
      }
      const [frames] = frameCounts(o.frames ?? '10');
      if (o.comparePrecision || o.load !== undefined) {
        if (o.comparePrecision && o.load !== undefined) throw new Error('--compare-precision and --load each run two benchmarks: use one of them');
        if (o.faces) throw new Error(`--faces cannot be combined with ${o.load !== undefined ? '--load' : '--compare-precision'}`);
        const args = ['--models', models, '--device', o.device, '--frames', String(frames), '--warmup', String(o.warmup), '--source', source, '--driving', driving];
        args.push('--model-frames', String(o.modelFrames), '--crop-driving', o.cropDriving);
        if (o.threads !== undefined) args.push('--threads', String(o.threads));
        if (!o.pasteback) args.push('--no-pasteback');
        if (o.load !== undefined) {
          const c = await compareLoad([...args, '--precision', o.precision], o.load, (n) =>
            log(n === 0 ? 'running the benchmark idle in a child process…\n' : `running the benchmark with ${n} competing process${n === 1 ? '' : 'es'}…\n`),
          );
          process.stdout.write(o.json ? `${JSON.stringify(c, null, 2)}\n` : `${formatLoadComparison(c)}\n`);
          return;
        }
        const c = await comparePrecision(args, (p) => log(`running the ${p} benchmark in a child process…\n`));
        process.stdout.write(o.json ? `${JSON.stringify(c, null, 2)}\n` : `${formatPrecisionComparison(c)}\n`);
        return;
      }
      // Progress on stderr: a bar on a terminal, one line every few seconds in a log; none with --json.
      const progress = createProgress({ label: 'bench', unit: 'frames', quiet: o.json });
      const common = {
        models,
        device: o.device,
        threads: o.threads,
        precision: o.precision,
        frames,
        warmup: o.warmup,
        driving,
        modelFrames: o.modelFrames,
        animate: { crop: { cropDriving: o.cropDriving }, output: { pasteback: o.pasteback } },
        onFrame: (done: number, total: number) => progress.update(done, total),
      };
      if (o.faces) {
        const rows = await runFacesBench({ ...common, faces: o.faces });
        progress.stop();
        process.stdout.write(o.json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatFacesBench(rows)}\n`);
        return;
      }
      const result = await runBench({ ...common, source, output: o.output });
      progress.stop();
      process.stdout.write(o.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatBench(result)}\n`);
    });
}

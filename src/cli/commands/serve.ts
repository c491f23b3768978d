/**
 * `liveportrait serve` (the HTTP API, optionally with render workers in child processes) and
 * `liveportrait worker` (a render worker for any machine that reaches Redis and the storage).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Command, Option } from 'commander';
import { expectInteger, parseNumberOption } from '../../validate.js';
import { packDirectory } from '../../models/paths.js';
import { SERVICE_DEFAULTS, parseDuration, parseSize } from '../../service/config.js';
import { LocalStorage } from '../../service/storage.js';
import { ApiKeys, readApiKeys } from '../../service/auth.js';
import { startApi } from '../../service/api.js';
import { startWorker } from '../../service/worker.js';
import { addEngineOptions, type CommonOpts } from './animate.js';

const int = (name: string, min = 0) => (text: string) => expectInteger(name, parseNumberOption(name, text), min);
const size = (name: string) => (text: string) => parseSize(name, text);
const duration = (name: string) => (text: string) => parseDuration(name, text);

interface QueueOpts {
  redis: string;
  storage: string;
  attempts: number;
  backoff: number;
  lockDuration: number;
  stalledInterval: number;
}

function addQueueOptions(cmd: Command): Command {
  return cmd
    .option('--redis <url>', 'Redis (BullMQ) URL', SERVICE_DEFAULTS.redis)
    .option('--storage <dir>', 'storage directory for inputs, chunks and results; every worker must reach it (shared volume)', SERVICE_DEFAULTS.storage)
    .addOption(new Option('--attempts <n>', 'attempts per render job before the job fails').argParser(int('--attempts', 1)).default(SERVICE_DEFAULTS.attempts))
    .addOption(new Option('--backoff <time>', 'delay before the first retry (doubles each time)').argParser(duration('--backoff')).default(parseDuration('--backoff', SERVICE_DEFAULTS.backoff), SERVICE_DEFAULTS.backoff))
    .addOption(new Option('--lock-duration <time>', 'a worker that stops renewing its lock this long (killed, hung) loses its job to another worker').argParser(duration('--lock-duration')).default(parseDuration('--lock-duration', SERVICE_DEFAULTS.lockDuration), SERVICE_DEFAULTS.lockDuration))
    .addOption(new Option('--stalled-interval <time>', 'how often workers look for stalled jobs').argParser(duration('--stalled-interval')).default(parseDuration('--stalled-interval', SERVICE_DEFAULTS.stalledInterval), SERVICE_DEFAULTS.stalledInterval));
}

/** Resolves on the first SIGINT/SIGTERM; a second one exits at once. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

interface ServeOpts extends CommonOpts, QueueOpts {
  port: number;
  host: string;
  workers: number;
  concurrency: number;
  auth: boolean;
  apiKeys?: string;
  maxUpload: number;
  maxStorage?: number;
  retain: number;
  sweepInterval: number;
  chunkFrames: number;
  maxFrames: number;
  rateLimit: number;
  maxJobs: number;
}

interface WorkerOpts extends CommonOpts, QueueOpts {
  concurrency: number;
}

export function registerServe(program: Command): void {
  const serve = program
    .command('serve')
    .description('run the HTTP API (jobs on BullMQ + Redis) and, with --workers N, N render workers in child processes');
  addEngineOptions(serve);
  addQueueOptions(serve);
  serve
    .addOption(new Option('--port <n>', 'HTTP port (0 = any free port)').argParser(int('--port')).default(SERVICE_DEFAULTS.port))
    .option('--host <addr>', 'address to listen on', SERVICE_DEFAULTS.host)
    .addOption(new Option('--workers <n>', 'render workers to run beside the API (0 = API only)').argParser(int('--workers')).default(1))
    .addOption(new Option('--concurrency <n>', 'jobs each worker runs at once').argParser(int('--concurrency', 1)).default(SERVICE_DEFAULTS.workerConcurrency))
    .option('--api-keys <file>', 'file of API keys, one a line (also LIVEPORTRAIT_API_KEYS)')
    .option('--no-auth', 'accept requests without an API key (local use only)')
    .addOption(new Option('--max-upload <size>', 'largest upload per file').argParser(size('--max-upload')).default(parseSize('--max-upload', SERVICE_DEFAULTS.maxUpload), SERVICE_DEFAULTS.maxUpload))
    .addOption(new Option('--max-storage <size>', 'refuse new jobs (507) while the storage holds more than this').argParser(size('--max-storage')))
    .addOption(new Option('--retain <time>', 'results are deleted this long after the job ended').argParser(duration('--retain')).default(parseDuration('--retain', SERVICE_DEFAULTS.retain), SERVICE_DEFAULTS.retain))
    .addOption(new Option('--sweep-interval <time>', 'how often expired results are deleted').argParser(duration('--sweep-interval')).default(parseDuration('--sweep-interval', SERVICE_DEFAULTS.sweepInterval), SERVICE_DEFAULTS.sweepInterval))
    .addOption(new Option('--chunk-frames <n>', 'frames per render job of a video job').argParser(int('--chunk-frames', 1)).default(SERVICE_DEFAULTS.chunkFrames))
    .addOption(new Option('--max-frames <n>', 'longest driver a job may render, in frames').argParser(int('--max-frames', 1)).default(SERVICE_DEFAULTS.maxFrames))
    .addOption(new Option('--rate-limit <n>', 'jobs a key may submit per minute').argParser(int('--rate-limit', 1)).default(SERVICE_DEFAULTS.rateLimit))
    .addOption(new Option('--max-jobs <n>', 'unfinished jobs a key may have at once').argParser(int('--max-jobs', 1)).default(SERVICE_DEFAULTS.maxJobs))
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  liveportrait serve --workers 2 --no-auth                       (one machine, local use)\n' +
        '  liveportrait serve --api-keys keys.txt --workers 0 --host 0.0.0.0 --storage /mnt/lp\n' +
        '  liveportrait worker --redis redis://queue-host:6379 --storage /mnt/lp   (on each render machine)',
    )
    .action(async (o: ServeOpts) => {
      const keys = readApiKeys(o.apiKeys, process.env.LIVEPORTRAIT_API_KEYS);
      if (o.auth && keys.length === 0) throw new Error('no API keys: give --api-keys FILE or LIVEPORTRAIT_API_KEYS, or --no-auth for local use');
      const storage = new LocalStorage(o.storage);
      const api = await startApi(
        {
          redis: o.redis,
          storage,
          keys: o.auth ? new ApiKeys(keys) : undefined,
          maxUpload: o.maxUpload,
          maxStorage: o.maxStorage,
          retain: o.retain,
          sweepInterval: o.sweepInterval,
          chunkFrames: o.chunkFrames,
          maxFrames: o.maxFrames,
          rateLimit: o.rateLimit,
          maxJobs: o.maxJobs,
          attempts: o.attempts,
          backoff: o.backoff,
          log,
        },
        { port: o.port, host: o.host },
      );
      const children: ChildProcess[] = [];
      for (let i = 0; i < o.workers; i++) {
        const args = [process.argv[1], 'worker', '--redis', o.redis, '--storage', storage.root, '--models', packDirectory({ models: o.models }), '--device', o.device, '--det', o.det];
        args.push('--concurrency', String(o.concurrency), '--attempts', String(o.attempts), '--backoff', `${o.backoff}ms`, '--lock-duration', `${o.lockDuration}ms`, '--stalled-interval', `${o.stalledInterval}ms`);
        if (o.threads !== undefined) args.push('--threads', String(o.threads));
        args.push('--precision', o.precision);
        const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
        child.on('exit', (code, signal) => {
          if (!stopping) log(`worker ${child.pid} exited (${signal ?? code})`);
        });
        children.push(child);
      }
      let stopping = false;
      process.stdout.write(`listening on ${api.url} (${o.auth ? `${keys.length} API key${keys.length === 1 ? '' : 's'}` : 'no authentication'}, ${o.workers} worker${o.workers === 1 ? '' : 's'}, storage ${storage.root})\n`);
      await untilSignal();
      stopping = true;
      await api.close();
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              c.once('exit', () => resolve());
              c.kill('SIGTERM');
            }),
        ),
      );
    });

  const worker = program.command('worker').description('run a render worker: takes jobs from Redis (BullMQ) and reads/writes the shared storage');
  addEngineOptions(worker);
  addQueueOptions(worker);
  worker
    .addOption(new Option('--concurrency <n>', 'jobs this worker runs at once').argParser(int('--concurrency', 1)).default(SERVICE_DEFAULTS.workerConcurrency))
    .addHelpText('after', '\nStop it with SIGTERM (Ctrl-C): it finishes its current chunk first; a second signal stops at once and the chunk goes to another worker.')
    .action(async (o: WorkerOpts) => {
      const running = await startWorker({
        redis: o.redis,
        storage: new LocalStorage(o.storage),
        engine: { models: packDirectory({ models: o.models }), device: o.device, threads: o.threads, precision: o.precision, detector: o.det, onWarning: (m) => (o.quiet ? undefined : log(m)) },
        concurrency: o.concurrency,
        lockDuration: o.lockDuration,
        stalledInterval: o.stalledInterval,
        attempts: o.attempts,
        backoff: o.backoff,
        log,
      });
      await untilSignal();
      await running.close();
    });
}

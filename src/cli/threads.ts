/** The --threads option of every command that runs models: bounded by the cores present, warned above one per core. */
import { availableParallelism } from 'node:os';
import { DEFAULTS } from '../settings.js';
import { expectThreads, parseNumberOption } from '../validate.js';

export function parseThreads(text: string): number {
  const { threads, warning } = expectThreads('--threads', parseNumberOption('--threads', text), availableParallelism(), DEFAULTS.runtime.maxThreadsPerCore);
  if (warning) process.stderr.write(`warning: ${warning}\n`);
  return threads;
}

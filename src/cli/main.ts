/**
 * The `liveportrait` command. Each subcommand lives in its own module under ./commands and registers
 * itself on the program; this file only wires them and turns errors into one clear line.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { OptionError } from '../validate.js';
import { refuseConflictingOptions } from './conflicts.js';
import { wasInterrupted } from '../io/interrupt.js';

/** Library option names whose CLI flag is not simply the kebab-case name. */
const FLAG_OF: Readonly<Record<string, string>> = {
  source: '--source',
  sourceEyeRetargeting: '--source-eye-retarget',
  pasteback: '--no-pasteback',
  relative: '--no-relative',
  stitching: '--no-stitching',
  crop: '--no-crop',
};

/**
 * The message of a library OptionError with its parameter named as the CLI flag (`faceIndex` →
 * `--face-index`), so an error always names something the user typed.
 */
export function withCliFlag(err: OptionError): string {
  const name = err.parameter;
  if (!name || name.startsWith('-') || !/^[a-zA-Z]+$/.test(name)) return err.message;
  const flag = FLAG_OF[name] ?? `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  // Only where the validators name the parameter ("… for faceIndex but …", "Expected pasteback to …"):
  // the same word elsewhere in a message is prose (e.g. "faces found").
  return err.message.replace(new RegExp(`(?<=\\bfor )${name}\\b|^(Expected )${name}\\b`, 'g'), (_m, expected?: string) => `${expected ?? ''}${flag}`);
}

/** The version in the package's package.json (this module runs from dist/src/cli/). */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('liveportrait')
    .description(
      'Animate a portrait photo with the head pose, expressions, blinks and lip motion of a driving video, ' +
        'webcam, image or motion template (LivePortrait on onnxruntime). Try `liveportrait demo`; the models ' +
        '(~619 MB) are downloaded on first use.',
    )
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    // Commander's own errors ("error: unknown option …") get the same prefix as every other error.
    .configureOutput({ outputError: (text, write) => write(text.startsWith('error:') ? `liveportrait: ${text}` : text) })
    .exitOverride()
    .hook('preAction', (_program, command) => refuseConflictingOptions(command));
  registerCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    // After Ctrl-C the work in flight fails in its own words (a write after abort); the signal handler
    // has said "interrupted" and exits with 130 once cleanup is done.
    if (wasInterrupted()) return 130;
    if (err instanceof CommanderError) {
      return err.exitCode;
    }
    const message = err instanceof OptionError ? withCliFlag(err) : err instanceof Error ? err.message : String(err);
    process.stderr.write(`liveportrait: error: ${message}\n`);
    if (process.env.LIVEPORTRAIT_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return typeof (err as { exitCode?: unknown }).exitCode === 'number' ? (err as { exitCode: number }).exitCode : 1;
  }
}


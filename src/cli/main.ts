/**
 * The `liveportrait` command. Each subcommand lives in its own module under ./commands and registers
 * itself on the program; this file only wires them and turns errors into one clear line.
 */
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { refuseConflictingOptions } from './conflicts.js';
import { wasInterrupted } from '../io/interrupt.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('liveportrait')
    .description(
      'Animate a portrait photo with the head pose, expressions, blinks and lip motion of a driving video, ' +
        'webcam, image or motion template (LivePortrait on onnxruntime). Start with `liveportrait models download`.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
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
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`liveportrait: error: ${message}\n`);
    if (process.env.LIVEPORTRAIT_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return typeof (err as { exitCode?: unknown }).exitCode === 'number' ? (err as { exitCode: number }).exitCode : 1;
  }
}


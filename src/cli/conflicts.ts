/**
 * Options that contradict each other, refused before any work. The rule: what the command line alone
 * shows to be contradictory or without effect (two spellings of one option, a setting of a step that is
 * switched off, a setting of --from without --from) is refused; what depends on what an input file turns
 * out to be (--smooth-variance on an image source) is warned about once by the library and ignored.
 */
import type { Command } from 'commander';
import { OptionError } from '../validate.js';

interface Rule {
  /** Option attribute names (commander's camelCase keys) this rule reads; it applies only to commands that have them all. */
  readonly keys: readonly string[];
  readonly check: (given: (key: string) => boolean, value: (key: string) => unknown) => { flag: string; message: string } | undefined;
}

function firstGiven(given: (key: string) => boolean, options: readonly (readonly [string, string])[]): string | undefined {
  return options.find(([key]) => given(key))?.[1];
}

const RULES: readonly Rule[] = [
  {
    keys: ['source', 'input'],
    check: (given) => (given('source') && given('input') ? { flag: '--input', message: '-s/--source and -i/--input are the same option: give one' } : undefined),
  },
  ...(['ratio', 'parts', 'fromFaceIndex'] as const).map(
    (key): Rule => ({
      keys: [key, 'from'],
      check: (given) => {
        const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
        return given(key) && !given('from') ? { flag, message: `${flag} applies to --from: give --from IMAGE or drop ${flag}` } : undefined;
      },
    }),
  ),
  {
    keys: ['crop', 'scale', 'vx', 'vy'],
    check: (given, value) => {
      if (value('crop') !== false) return undefined;
      const flag = firstGiven(given, [['scale', '--scale'], ['vx', '--vx'], ['vy', '--vy']]);
      return flag ? { flag, message: `${flag} has no effect with --no-crop (the whole image is resized): drop one of them` } : undefined;
    },
  },
  {
    keys: ['cropDriving', 'drivingScale', 'drivingVy', 'drivingBox'],
    check: (given, value) => {
      if (value('cropDriving') !== 'off') return undefined;
      const flag = firstGiven(given, [['drivingScale', '--driving-scale'], ['drivingVy', '--driving-vy'], ['drivingBox', '--driving-box']]);
      return flag ? { flag, message: `${flag} has no effect with --crop-driving off (driving frames are not cropped): drop one of them` } : undefined;
    },
  },
];

/** Refuses contradictory options of the command about to run (installed as a preAction hook). */
export function refuseConflictingOptions(cmd: Command): void {
  const known = new Set(cmd.options.map((o) => o.attributeName()));
  const given = (key: string) => cmd.getOptionValueSource(key) === 'cli';
  const value = (key: string) => cmd.getOptionValue(key) as unknown;
  for (const rule of RULES) {
    if (!rule.keys.every((k) => known.has(k))) continue;
    const conflict = rule.check(given, value);
    if (conflict) throw new OptionError(conflict.flag, conflict.message);
  }
}

/** For --help: the policy above in one paragraph. */
export const CONFLICT_HELP =
  'Contradictory options are refused before any work (-s with -i, --scale/--vx/--vy with --no-crop,\n' +
  '--ratio/--parts/--from-face-index without --from, --driving-* with --crop-driving off); options for\n' +
  'another kind of input (--smooth-variance on an image source) are warned about once and ignored.';

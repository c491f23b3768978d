/** Locating ../shared (reference data beside the checkout) and skipping tests that need it. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

export const SHARED = process.env.LIVEPORTRAIT_SHARED ?? resolve(process.cwd(), '../shared');
export const HAS_SHARED = existsSync(resolve(SHARED, 'README.md'));
export const sharedPath = (...parts: string[]): string => resolve(SHARED, ...parts);

/** A skip reason when ../shared is absent, else false. */
export const needsShared: string | false = HAS_SHARED ? false : 'needs ../shared (reference data beside the checkout)';

export const HAS_FFMPEG = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
export const needsFfmpeg: string | false = HAS_FFMPEG ? false : 'needs ffmpeg on PATH';

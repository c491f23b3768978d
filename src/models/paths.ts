/** Where model packs live on disk: `--models DIR`, else LIVEPORTRAIT_HOME, else a per-user cache. */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The per-user root: $LIVEPORTRAIT_HOME, or the platform's cache directory + liveportrait-ts. */
export function liveportraitHome(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.LIVEPORTRAIT_HOME) return resolve(env.LIVEPORTRAIT_HOME);
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'liveportrait-ts');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'liveportrait-ts');
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'liveportrait-ts');
}

/** The directory of a pack: an explicit `--models DIR` wins. */
export function packDirectory(options: { models?: string; pack?: string } = {}, env: NodeJS.ProcessEnv = process.env): string {
  if (options.models) return resolve(options.models);
  return join(liveportraitHome(env), 'models', options.pack ?? 'flp');
}

/**
 * API keys: `Authorization: Bearer KEY`. Keys come from a file (one a line, `#` comments) and/or the
 * LIVEPORTRAIT_API_KEYS variable (comma- or space-separated). A key is known by a hash of it, which
 * owns its jobs; keys themselves are never stored in Redis or written to logs.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const NO_AUTH_OWNER = 'local';

export function ownerOf(key: string): string {
  return `k${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

export class ApiKeys {
  private readonly hashes: Buffer[];

  constructor(keys: readonly string[]) {
    this.hashes = keys.map((k) => createHash('sha256').update(k).digest());
  }

  get size(): number {
    return this.hashes.length;
  }

  /** The owner id of a valid key, or undefined. */
  check(key: string): string | undefined {
    const h = createHash('sha256').update(key).digest();
    return this.hashes.some((k) => timingSafeEqual(k, h)) ? ownerOf(key) : undefined;
  }
}

export function readApiKeys(file: string | undefined, env: string | undefined): string[] {
  const keys: string[] = [];
  if (file) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const k = line.replace(/#.*/, '').trim();
      if (k) keys.push(k);
    }
  }
  if (env) keys.push(...env.split(/[\s,]+/).filter(Boolean));
  const short = keys.find((k) => k.length < 16);
  if (short !== undefined) throw new Error(`API keys must be at least 16 characters long (one has ${short.length})`);
  return keys;
}

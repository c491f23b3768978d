/**
 * Several drivers in one run (one per face): their samples zipped frame by frame. The first driver sets
 * the frame count and fps; a shorter driver holds its last sample, or starts again with `loop`. Each
 * driver's motion is computed once per frame, however many faces follow it.
 */
import type { DrivingSample } from './animator.js';
import type { Driver } from './drivers.js';

export class DriverSetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DriverSetError';
  }
}

/** One sample per driver per frame of the first driver (re-indexed to that frame). */
export async function* zipDrivers(drivers: readonly Driver[], options: { loop?: boolean; signal?: AbortSignal } = {}): AsyncGenerator<DrivingSample[], void, undefined> {
  const { loop = false, signal } = options;
  if (drivers.length === 1) {
    for await (const s of drivers[0].samples(signal)) yield [s];
    return;
  }
  const its = drivers.map((d) => d.samples(signal)[Symbol.asyncIterator]());
  const last: (DrivingSample | undefined)[] = drivers.map(() => undefined);
  const done: boolean[] = drivers.map(() => false);
  try {
    for (;;) {
      const lead = await its[0].next();
      if (lead.done) return;
      const index = lead.value.index;
      const row: DrivingSample[] = [lead.value];
      for (let j = 1; j < drivers.length; j++) {
        let next = done[j] ? undefined : await its[j].next();
        if (next?.done && loop && last[j]) {
          await its[j].return?.();
          its[j] = drivers[j].samples(signal)[Symbol.asyncIterator]();
          next = await its[j].next();
        }
        if (!next || next.done) {
          done[j] = true;
          if (!last[j]) throw new DriverSetError(`the driver ${drivers[j].label} produced no frames`);
        } else {
          last[j] = next.value;
        }
        const s = last[j]!;
        row.push(s.index === index ? s : { ...s, index });
      }
      yield row;
    }
  } finally {
    await Promise.all(its.map((it) => it.return?.()));
  }
}

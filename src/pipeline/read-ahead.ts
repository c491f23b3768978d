/**
 * A bounded read-ahead over an async iterable: up to `depth` items are requested ahead of the consumer,
 * so a producer (decode → crop → M) keeps working while the consumer (W+G → paste → encode) renders.
 * Order is preserved, an error surfaces at its position in the sequence, and stopping early (break,
 * throw, return) closes the source once its in-flight items have settled. Isomorphic.
 */
import { expectInteger } from '../validate.js';

/**
 * How far the driving samples are read ahead of the renderer on a machine with `cores` cores. With two
 * cores or fewer, every model already uses all of them, so decoding and M running beside W+G only take
 * cores from it (and with another busy process on the machine, its parallel ops wait for the slowest
 * thread): nothing is read ahead there. Above that, two samples: W+G never waits for the next motion.
 */
export function readAheadDepth(cores: number): number {
  return cores <= 2 ? 0 : 2;
}

/** Depth 0 passes the source through unchanged (nothing requested ahead). */
export async function* readAhead<T>(source: AsyncIterable<T>, depth: number): AsyncGenerator<T, void, undefined> {
  expectInteger('depth', depth, 0);
  if (depth === 0) {
    yield* source;
    return;
  }
  const it = source[Symbol.asyncIterator]();
  const pending: Promise<IteratorResult<T>>[] = [];
  let exhausted = false;
  let finished = false;
  const fill = (): void => {
    while (!exhausted && pending.length < depth) {
      const next = it.next();
      // An item requested ahead may fail before the consumer reaches it: keep the rejection for that
      // position instead of letting it surface as unhandled.
      next.then(
        (r) => {
          if (r.done) exhausted = true;
        },
        () => {
          exhausted = true;
        },
      );
      pending.push(next);
    }
  };
  try {
    while (true) {
      fill();
      const result = await pending.shift()!;
      if (result.done) {
        finished = true;
        return;
      }
      fill();
      yield result.value;
    }
  } finally {
    // Stopped early or failed: let the items in flight settle, then close the source (for a generator
    // that already threw or ended this is a no-op).
    if (!finished) {
      await Promise.allSettled(pending);
      await it.return?.();
    }
  }
}

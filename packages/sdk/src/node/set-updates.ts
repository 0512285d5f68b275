/**
 * How the client takes an update off the event loop's critical path: the payload is parsed and
 * compiled as steps (json-steps.ts, flag-state.ts), run in slices of a few milliseconds with the
 * event loop free between them, while the state already served keeps answering.
 */
import { DeltaGap, deltaSteps, type FlagState, parseSync, type Steps, stateSteps } from './flag-state.js';
import { jsonSteps } from './json-steps.js';

/**
 * Parses (in steps, see json-steps.ts) and compiles an update; undefined when it is older than
 * the state served or the same set.
 */
export function* updateSteps(
  payload: unknown,
  before: FlagState | undefined,
  kind: 'set' | 'delta',
): Steps<FlagState | undefined> {
  let raw = payload;
  if (typeof payload === 'string') {
    try {
      raw = yield* jsonSteps(payload);
    } catch (error) {
      throw new Error(`the flag set is not JSON: ${(error as Error).message}`);
    }
  }
  const peek = raw as { version?: unknown; digest?: unknown } | null;
  if (before && (peek?.digest === before.sync.digest || (peek?.version as number) < before.sync.version))
    return undefined;
  if (kind === 'delta') {
    if (!before) throw new DeltaGap(-1, -1);
    return yield* deltaSteps(before, raw);
  }
  return yield* stateSteps(parseSync(raw), before);
}

/** A slice of compile work before the event loop gets a turn (ms). */
const SLICE_MS = 4;

/**
 * Runs steps in slices of about SLICE_MS, letting the event loop run between them (timers,
 * I/O, evaluations on the state still served). A small update ends within its first slice.
 */
export async function inSlices<T>(steps: Steps<T>): Promise<T> {
  for (;;) {
    const end = performance.now() + SLICE_MS;
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      if (performance.now() >= end) break;
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

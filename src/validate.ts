/**
 * Boundary validation: every public option is checked here with an error that names the parameter,
 * the value received and what is allowed.
 */

export class OptionError extends RangeError {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
    this.name = 'OptionError';
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}' of type string`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return `${String(value)} of type ${typeof value}`;
}

export function expectNumber(name: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range =
      min === -Infinity && max === Infinity
        ? 'a finite number'
        : max === Infinity
          ? `a number >= ${min}`
          : min === -Infinity
            ? `a number <= ${max}`
            : `a number between ${min} and ${max}`;
    throw new OptionError(name, `Expected ${range} for ${name} but received ${describe(value)}`);
  }
  return value;
}

export function expectInteger(name: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `an integer >= ${min}` : `an integer between ${min} and ${max}`;
    throw new OptionError(name, `Expected ${range} for ${name} but received ${describe(value)}`);
  }
  return value;
}

export function expectOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new OptionError(name, `Expected one of ${allowed.join(', ')} for ${name} but received ${describe(value)}`);
  }
  return value as T;
}

export function expectBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new OptionError(name, `Expected true or false for ${name} but received ${describe(value)}`);
  }
  return value;
}

/** Parses a CLI string as a number and validates it; used by the CLI's option parsers. */
export function parseNumberOption(name: string, text: string, min = -Infinity, max = Infinity): number {
  const value = Number(text);
  if (text.trim() === '' || Number.isNaN(value)) {
    throw new OptionError(name, `Expected a number for ${name} but received '${text}'`);
  }
  return expectNumber(name, value, min, max);
}

/**
 * Intra-op thread count: 0 (the runtime's choice) up to `maxPerCore` × the cores present. Returns the
 * count and, above one thread per core, a warning to show.
 */
export function expectThreads(name: string, value: unknown, cores: number, maxPerCore: number): { threads: number; warning?: string } {
  const max = Math.max(1, Math.floor(cores)) * maxPerCore;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new OptionError(name, `Expected an integer between 0 and ${max} (${maxPerCore}× the ${cores} cores present) for ${name} but received ${describe(value)}`);
  }
  const warning = value > cores ? `${name} ${value} is more than the ${cores} cores present: threads will compete for them` : undefined;
  return { threads: value, warning };
}

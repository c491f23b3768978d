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

/** At most this many characters of a value read from a file or typed by a user appear in a message. */
export const QUOTE_LIMIT = 40;

/**
 * The one way user data (a token from a file, a typed value) is shown in an error: at most QUOTE_LIMIT
 * characters in single quotes with control characters escaped as in JSON, and '…' where it was cut, so an error never
 * echoes a whole line of a file it was pointed at (a template that is really /etc/passwd).
 */
export function quoteUserText(value: unknown, limit = QUOTE_LIMIT): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  const cut = [...text].length > limit;
  const shown = cut ? [...text].slice(0, limit).join('') : text;
  const escaped = JSON.stringify(shown).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'");
  return `'${escaped}${cut ? '…' : ''}'`;
}

/**
 * A JSON.parse failure without the excerpt of the input V8 puts in its message ("Unexpected token 'r',
 * "root:x:0:0"... is not valid JSON"): the kind of error and, where known, the line and column.
 */
export function describeJsonSyntaxError(err: unknown, text: string): string {
  const message = err instanceof Error ? err.message : String(err);
  const position = /at position (\d+)/.exec(message);
  const token = /^Unexpected token '(.)'/u.exec(message) ?? /^Unexpected token (.) in JSON/u.exec(message);
  let where = '';
  if (position) {
    const offset = Number(position[1]);
    const before = text.slice(0, offset).split('\n');
    where = ` at line ${before.length}, column ${before[before.length - 1].length + 1}`;
  }
  if (/Unexpected end of JSON input/.test(message)) return 'it ends too early';
  if (token) return `unexpected character ${quoteUserText(token[1])}${where}`;
  const kind = message.replace(/,? ?(\.\.\.)?".*$/s, '').replace(/ in JSON at position \d+.*$/s, '').replace(/ at position \d+.*$/s, '');
  // What is left is V8's own wording (no input text): "Expected property name or '}'", "Bad control character…".
  return `${kind.slice(0, 80).replace(/^[A-Z]/, (c) => c.toLowerCase())}${where}`;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `${quoteUserText(value)} of type string`;
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
    throw new OptionError(name, `Expected a number for ${name} but received ${quoteUserText(text)}`);
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

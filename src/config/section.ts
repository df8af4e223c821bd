import { parseDuration, parseSize } from './units.ts';

/**
 * Reads one mapping of the YAML with typed getters. A wrong value is recorded
 * as `key.path: what is wrong` and the getter returns `undefined`, so a whole
 * file is checked in one pass and every problem is reported at once.
 */
export class Section {
  constructor(
    readonly value: Record<string, unknown>,
    readonly path: string,
    readonly problems: string[],
  ) {}

  /** Reads `value` as a mapping at `path`; records a problem when it is not one. */
  static of(value: unknown, path: string, problems: string[]): Section | undefined {
    if (value === undefined || value === null) return new Section({}, path, problems);
    if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push(`${path || '(top level)'}: must be a mapping`);
      return undefined;
    }
    return new Section(value as Record<string, unknown>, path, problems);
  }

  keyPath(key: string | number): string {
    if (typeof key === 'number') return `${this.path}[${key}]`;
    return this.path ? `${this.path}.${key}` : key;
  }

  problem(key: string | number, message: string): undefined {
    this.problems.push(`${this.keyPath(key)}: ${message}`);
    return undefined;
  }

  has(key: string): boolean {
    return this.value[key] !== undefined && this.value[key] !== null;
  }

  /** Records every key not in `known`, naming the closest known one. */
  onlyKeys(known: readonly string[]): void {
    for (const key of Object.keys(this.value)) {
      if (!known.includes(key)) this.problem(key, `unknown key (known: ${known.join(', ')})`);
    }
  }

  child(key: string): Section | undefined {
    return Section.of(this.value[key], this.keyPath(key), this.problems);
  }

  str(key: string, opts: { required: true }): string | undefined;
  str(key: string, opts?: { required?: boolean }): string | undefined;
  str(key: string, opts: { required?: boolean } = {}): string | undefined {
    const value = this.value[key];
    if (value === undefined || value === null) {
      return opts.required ? this.problem(key, 'required') : undefined;
    }
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (typeof value !== 'string') return this.problem(key, 'must be a string');
    if (opts.required && value.trim() === '') return this.problem(key, 'must not be empty');
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T | undefined {
    const value = this.str(key);
    if (value === undefined) return this.has(key) ? undefined : fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      return this.problem(key, `must be one of ${allowed.join(', ')} (got "${value}")`);
    }
    return value as T;
  }

  strList(key: string): string[] | undefined {
    const value = this.value[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) return this.problem(key, 'must be a list of strings');
    const out: string[] = [];
    value.forEach((item, i) => {
      if (typeof item === 'string' && item !== '') out.push(item);
      else this.problems.push(`${this.keyPath(key)}[${i}]: must be a non-empty string`);
    });
    return out;
  }

  int(key: string, range: { min: number; max: number }): number | undefined {
    const value = this.value[key];
    if (value === undefined || value === null) return undefined;
    const num = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof num !== 'number' || !Number.isInteger(num) || num < range.min || num > range.max) {
      return this.problem(key, `must be a whole number from ${range.min} to ${range.max}`);
    }
    return num;
  }

  bool(key: string): boolean | undefined {
    const value = this.value[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    return this.problem(key, 'must be true or false');
  }

  duration(key: string, range: { min?: number; max?: number } = {}): number | undefined {
    const value = this.value[key];
    if (value === undefined || value === null) return undefined;
    const ms = typeof value === 'string' ? parseDuration(value) : undefined;
    if (ms === undefined) return this.problem(key, `must be a duration such as 500ms, 5s, 5m, 2h or 7d (got ${JSON.stringify(value)})`);
    return this.checkRange(key, ms, range);
  }

  durationList(key: string): number[] | undefined {
    const value = this.value[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) return this.problem(key, 'must be a list of durations such as [5s, 5m, 2h]');
    const out: number[] = [];
    value.forEach((item, i) => {
      const ms = typeof item === 'string' ? parseDuration(item) : undefined;
      if (ms === undefined)
        this.problems.push(`${this.keyPath(key)}[${i}]: must be a duration such as 5s, 5m or 2h (got ${JSON.stringify(item)})`);
      else out.push(ms);
    });
    return out;
  }

  size(key: string, range: { min?: number; max?: number } = {}): number | undefined {
    const value = this.value[key];
    if (value === undefined || value === null) return undefined;
    const bytes = typeof value === 'string' || typeof value === 'number' ? parseSize(value) : undefined;
    if (bytes === undefined) return this.problem(key, `must be a size such as 512KiB or 1MiB (got ${JSON.stringify(value)})`);
    return this.checkRange(key, bytes, range);
  }

  private checkRange(key: string, n: number, range: { min?: number; max?: number }): number | undefined {
    if (range.min !== undefined && n < range.min) return this.problem(key, `must be at least ${range.min}`);
    if (range.max !== undefined && n > range.max) return this.problem(key, `must be at most ${range.max}`);
    return n;
  }
}

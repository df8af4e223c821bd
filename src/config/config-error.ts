/** The configuration cannot be used: every problem is listed with its key path, and the CLI exits 2. */
export class ConfigError extends Error {
  /** One line per problem, each `key.path: what is wrong`. */
  readonly problems: string[];

  constructor(problems: string[], options?: { cause?: unknown }) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`, options);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

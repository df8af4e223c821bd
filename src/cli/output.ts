/** `--format`: lines for people, or one JSON object per line for programs. */
export type Format = 'human' | 'json';
export type ColorChoice = 'auto' | 'always' | 'never';

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1 } as const;
export type Colour = keyof typeof CODES;

/**
 * Whether to colour: `always`/`never` as asked; `auto` only on a terminal and
 * without `NO_COLOR` (any non-empty value, as no-color.org defines it).
 */
export function useColour(choice: ColorChoice, isTty: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (choice === 'always') return true;
  if (choice === 'never') return false;
  return isTty && !env.NO_COLOR;
}

/** The colour of an HTTP status by class: 2xx green, 3xx/4xx yellow, 5xx and none red. */
export function statusColour(status: number | null): Colour {
  if (status === null || status >= 500) return 'red';
  if (status >= 200 && status < 300) return 'green';
  return 'yellow';
}

/** Where a client command writes: results on stdout, problems on stderr. */
export class Output {
  constructor(
    readonly format: Format,
    private readonly colour: boolean,
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WritableStream = process.stderr,
  ) {}

  paint(colour: Colour, text: string): string {
    return this.colour ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
  }

  /** One result: `human` as written, or `json` as one line. */
  emit(human: string, json: unknown): void {
    this.out.write(this.format === 'json' ? `${JSON.stringify(json)}\n` : `${human}\n`);
  }

  /** A line for people only (progress, banners); JSON output stays parseable without it. */
  note(text: string): void {
    if (this.format === 'human') this.out.write(`${text}\n`);
    else this.err.write(`${text}\n`);
  }

  error(text: string): void {
    this.err.write(`${this.paint('red', 'error')}: ${text}\n`);
  }

  /** Writes without a newline (a progress bar redrawn in place); only on a terminal in human mode. */
  raw(text: string): void {
    this.out.write(text);
  }
}

/** `2026-12-01 10:00:00` in local time, the shape of Stripe CLI's lines. */
export function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

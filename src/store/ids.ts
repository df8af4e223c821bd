import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const TIME_CHARS = 8; // 62^8 ms ≈ 6,900 years from the epoch
const RANDOM_CHARS = 14; // ≈ 83 bits

let lastMs = 0;
let lastRandom: number[] = [];

/**
 * A prefixed id (`msg_…`, `ep_…`) whose text sorts in creation order: base62
 * milliseconds, then random digits. Within one millisecond the random part is
 * incremented instead of redrawn, so ids made by one process are strictly
 * increasing; that lets cursors page by id alone.
 */
export function newId(prefix: string): string {
  const now = Date.now();
  if (now > lastMs || lastRandom.length === 0) {
    lastMs = Math.max(now, lastMs);
    const bytes = randomBytes(RANDOM_CHARS);
    lastRandom = [...bytes].map((b) => b % 62);
    // Leave headroom so increments within one millisecond never overflow.
    lastRandom[0] = (lastRandom[0] as number) % 31;
  } else {
    increment(lastRandom);
  }
  let time = '';
  for (let n = lastMs, i = 0; i < TIME_CHARS; i++, n = Math.floor(n / 62)) time = ALPHABET[n % 62] + time;
  return `${prefix}_${time}${lastRandom.map((d) => ALPHABET[d]).join('')}`;
}

function increment(digits: number[]): void {
  for (let i = digits.length - 1; i >= 0; i--) {
    if ((digits[i] as number) < 61) {
      digits[i] = (digits[i] as number) + 1;
      return;
    }
    digits[i] = 0;
  }
}

/** `msg_…` style ids: a prefix, an underscore, base62. Used to tell ids from uids. */
export function looksLikeId(prefix: string, text: string): boolean {
  return text.startsWith(`${prefix}_`) && /^[A-Za-z0-9]{22}$/.test(text.slice(prefix.length + 1));
}

/** The smallest `prefix` id made at `ms` or later: an id below it was made before `ms`. */
export function idFloor(prefix: string, ms: number): string {
  let time = '';
  for (let n = Math.max(0, Math.floor(ms)), i = 0; i < TIME_CHARS; i++, n = Math.floor(n / 62)) time = ALPHABET[n % 62] + time;
  return `${prefix}_${time}`;
}

/** The millisecond a `prefix_…` id (or an `idFloor`) was made at: the inverse of `idFloor`. */
export function idTime(id: string): number {
  const time = id.slice(id.indexOf('_') + 1, id.indexOf('_') + 1 + TIME_CHARS);
  let ms = 0;
  for (const ch of time) {
    const digit = ALPHABET.indexOf(ch);
    if (digit < 0) throw new Error(`"${id}" is not a Sluice id`);
    ms = ms * 62 + digit;
  }
  return ms;
}

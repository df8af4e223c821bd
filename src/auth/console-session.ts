import { createHash, randomBytes } from 'node:crypto';
import type { ConsoleSession } from '../store/console.ts';
import type { Store } from '../store/store.ts';
import type { Principal } from './principal.ts';

/** The cookie that carries a console session. */
export const SESSION_COOKIE = 'sluice_session';

const hash = (value: string): string => createHash('sha256').update(value).digest('hex');

/**
 * Console sessions: an API token is exchanged once for a random cookie value;
 * the store keeps only its hash with the principal the token stood for, so a
 * database dump holds no usable session, and every process (PostgreSQL) knows
 * every session. Signing out deletes the row: the cookie is dead everywhere.
 */
export class ConsoleSessions {
  constructor(
    private readonly store: Store,
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A new session for `principal` (who the token is); returns the cookie value and when it expires. */
  async create(principal: Principal): Promise<{ cookie: string; expiresAt: number }> {
    const cookie = randomBytes(32).toString('base64url');
    const now = this.clock();
    const session: ConsoleSession = {
      idHash: hash(cookie),
      name: principal.name,
      role: principal.role,
      applications: principal.applications,
      createdAt: now,
      expiresAt: now + this.ttlMs,
    };
    await this.store.createConsoleSession(session);
    return { cookie, expiresAt: session.expiresAt };
  }

  /** The principal of a live session, or `null`. */
  async resolve(cookie: string): Promise<(Principal & { expiresAt: number }) | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(cookie)) return null;
    const s = await this.store.getConsoleSession(hash(cookie), this.clock());
    return s ? { kind: 'session', name: s.name, role: s.role, applications: s.applications, expiresAt: s.expiresAt } : null;
  }

  async revoke(cookie: string): Promise<void> {
    await this.store.deleteConsoleSession(hash(cookie));
  }
}

/** How long a sign-in that failed for the `failures`-th time in a row is held: nothing for the first three, then doubling (pure). */
export function signInDelayMs(failures: number, baseMs: number, maxMs: number): number {
  if (failures <= 3) return 0;
  return Math.min(maxMs, baseMs * 2 ** (failures - 4));
}

const FORGET_MS = 15 * 60_000;
const MAX_TRACKED = 10_000;

/**
 * Failed sign-ins per remote address, forgotten 15 minutes after the last one
 * and on a success. The table is bounded: a flood from many addresses clears
 * it rather than filling memory.
 */
export class SignInThrottle {
  private readonly failures = new Map<string, { count: number; at: number }>();

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {}

  /** Records a failure; returns how long to hold the answer. */
  fail(address: string, now: number): number {
    const prior = this.failures.get(address);
    const count = prior && now - prior.at < FORGET_MS ? prior.count + 1 : 1;
    if (!prior && this.failures.size >= MAX_TRACKED) this.failures.clear();
    this.failures.set(address, { count, at: now });
    return signInDelayMs(count, this.baseMs, this.maxMs);
  }

  succeed(address: string): void {
    this.failures.delete(address);
  }
}

/**
 * CSRF for cookie-authenticated changes: the browser's `Origin` (or, where it
 * sends none, `Sec-Fetch-Site`) must say the request comes from the gateway's
 * own pages. SameSite=Strict already keeps the cookie off cross-site requests;
 * this also refuses a same-site sibling (another app on a subdomain).
 */
export function sameOrigin(headers: Record<string, string | string[] | undefined>, ownOrigin: string): boolean {
  const origin = headers.origin;
  if (typeof origin === 'string') return origin === ownOrigin;
  return headers['sec-fetch-site'] === 'same-origin';
}

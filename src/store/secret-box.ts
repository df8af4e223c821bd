import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { EndpointSecret } from './records.ts';

const PREFIX = 'enc:v1:';

/** One AES-256 key and the id stored beside every value sealed with it. */
export interface SecretKey {
  id: string;
  key: Buffer;
}

/** The id of a key: the first 8 bytes of its SHA-256, hex (names the key without revealing it). */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * Secrets at rest: AES-256-GCM under the current key, as
 * `enc:v1:<key id>:<iv>:<ciphertext+tag>` (base64url), so a value says which
 * key opens it and keys can be rotated while old values stay readable. Values
 * without the prefix are stored before encryption existed, and are read as
 * they are (the next write seals them).
 */
export class SecretBox {
  private keys = new Map<string, Buffer>();
  private current: SecretKey;

  /** `keys`: newest last, which seals; `reload` is asked once when a value names a key not held (another process rotated). */
  constructor(
    keys: SecretKey[],
    private readonly reload?: () => SecretKey[],
  ) {
    if (keys.length === 0) throw new Error('a SecretBox needs at least one key');
    for (const k of keys) this.keys.set(k.id, k.key);
    this.current = keys[keys.length - 1] as SecretKey;
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${this.current.id}:${iv.toString('base64url')}:${body.toString('base64url')}`;
  }

  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const [id, iv, body] = stored.slice(PREFIX.length).split(':');
    if (!id || !iv || !body) throw new Error('a sealed secret is malformed');
    let key = this.keys.get(id);
    if (!key && this.reload) {
      const fresh = this.reload();
      for (const k of fresh) this.keys.set(k.id, k.key);
      if (fresh.length > 0) this.current = fresh[fresh.length - 1] as SecretKey;
      key = this.keys.get(id);
    }
    if (!key)
      throw new Error(`a stored secret is sealed with key ${id}, which this process does not hold (SLUICE_SECRET_KEY or the key file)`);
    const raw = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(0, raw.length - 16)), decipher.final()]).toString('utf8');
  }

  /** Whether a stored value is sealed under a key other than the current one (or not sealed at all). */
  stale(stored: string): boolean {
    return !stored.startsWith(`${PREFIX}${this.current.id}:`);
  }
}

/**
 * The process's box. One per process (the key comes from its environment or
 * data directory), set by the gateway before the store is used; without one
 * values are stored as they are (tests of the store alone, `migrate-data`).
 */
let box: SecretBox | undefined;
const held = new Map<string, SecretKey>();
/** Counts `installKeys` calls, so a copy of the box elsewhere (the SQLite store's thread) can tell it is behind. */
let installs = 0;

/**
 * Seals with the last of `keys` from now on. Keys installed before stay able
 * to open (several gateways in one process, as tests run them, each with the
 * key of its own data directory).
 */
export function installKeys(keys: SecretKey[], reload?: () => SecretKey[]): void {
  for (const k of keys) held.delete(k.id);
  const all = [...held.values(), ...keys];
  for (const k of keys) held.set(k.id, k);
  box = new SecretBox(all, reload);
  installs++;
}

/**
 * Every key installed so far, the sealing one last (empty while none is). A thread
 * has a box of its own: this is what it is given to hold the same keys.
 */
export function installedKeys(): SecretKey[] {
  return [...held.values()];
}

/** How many times keys were installed: a copy of the box is behind while its count differs. */
export function keyInstalls(): number {
  return installs;
}

export function sealText(text: string): string {
  return box ? box.seal(text) : text;
}

export function openText(text: string): string {
  return box ? box.open(text) : text;
}

export function sealSecrets(secrets: EndpointSecret[]): EndpointSecret[] {
  return box ? secrets.map((s) => ({ ...s, secret: (box as SecretBox).seal(s.secret) })) : secrets;
}

export function openSecrets(secrets: EndpointSecret[]): EndpointSecret[] {
  return box ? secrets.map((s) => ({ ...s, secret: (box as SecretBox).open(s.secret) })) : secrets;
}

/** Whether any of these stored secrets should be sealed again under the current key. */
export function secretsStale(secrets: EndpointSecret[]): boolean {
  return box !== undefined && secrets.some((s) => (box as SecretBox).stale(s.secret));
}

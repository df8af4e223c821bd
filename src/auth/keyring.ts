import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hkdfSync, randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { keyId, type SecretKey } from '../store/secret-box.ts';

/** Where the keys that seal stored secrets come from. */
export interface KeySource {
  /** `SLUICE_SECRET_KEY`: 32 bytes as base64 or 64 hex digits; when set, it seals. */
  envKey: string | undefined;
  /** The key file: one base64 key a line, newest last (older ones still open what they sealed). */
  file: string;
}

export interface Keyring {
  keys: SecretKey[];
  /** Whether a key was just generated into the key file (said once at start). */
  generated: boolean;
}

function decodeKey(text: string, where: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new Error(`${where}: a secret key is 32 bytes, as base64 or 64 hex digits`);
  return key;
}

function readFileKeys(file: string): SecretKey[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line, i) => {
      const key = decodeKey(line, `${file}:${i + 1}`);
      return { id: keyId(key), key };
    });
}

/** `create`: only if the file does not exist (two processes starting at once must end on one key). */
function writeKeyFile(file: string, keys: Buffer[], create = false): boolean {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const text = `# Sluice secret keys: newest last. Keep this file private and backed up; without it stored secrets cannot be read.\n${keys.map((k) => k.toString('base64')).join('\n')}\n`;
  try {
    writeFileSync(file, text, { mode: 0o600, flag: create ? 'wx' : 'w' });
  } catch (err) {
    if (create && (err as { code?: string }).code === 'EEXIST') return false;
    throw err;
  }
  chmodSync(file, 0o600);
  return true;
}

/**
 * The keys of this process: the key file's (generating one when there is no
 * key anywhere, so a first start needs no setup), with `SLUICE_SECRET_KEY`
 * last when set, so it seals.
 */
export function loadKeyring(source: KeySource): Keyring {
  const keys = readFileKeys(source.file);
  let generated = false;
  if (source.envKey) {
    const key = decodeKey(source.envKey, 'SLUICE_SECRET_KEY');
    return { keys: [...keys.filter((k) => k.id !== keyId(key)), { id: keyId(key), key }], generated };
  }
  if (keys.length === 0) {
    const key = randomBytes(32);
    if (!writeKeyFile(source.file, [key], true)) return { keys: keysWrittenByAnother(source.file), generated };
    keys.push({ id: keyId(key), key });
    generated = true;
  }
  return { keys, generated };
}

/** Another process created the key file a moment ago: wait (briefly, bounded) until its key is in it. */
function keysWrittenByAnother(file: string): SecretKey[] {
  for (let i = 0; i < 100; i++) {
    const keys = readFileKeys(file);
    if (keys.length > 0) return keys;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  throw new Error(`${file} exists but holds no key; remove it or set SLUICE_SECRET_KEY`);
}

/** Reads the key file again (another process may have rotated), keeping the environment's key current. */
export function reloadKeys(source: KeySource): SecretKey[] {
  return loadKeyring({ ...source, envKey: source.envKey }).keys;
}

/** `sluice keys rotate`: a new key at the end of the key file; older keys stay to open what they sealed. */
export function rotateKeyFile(file: string): SecretKey {
  const existing = readFileKeys(file).map((k) => k.key);
  const key = randomBytes(32);
  writeKeyFile(file, [...existing, key]);
  return { id: keyId(key), key };
}

/**
 * The key app-portal tokens are signed with, derived from the key that seals
 * stored secrets (HKDF, so neither use learns anything about the other's key):
 * every process holding the same secret key accepts the others' portal
 * tokens, and API tokens can change without revoking them.
 */
export function portalTokenKey(ring: Pick<Keyring, 'keys'>): Buffer {
  const sealing = ring.keys[ring.keys.length - 1];
  if (!sealing) throw new Error('no secret key to derive the portal token key from');
  return Buffer.from(hkdfSync('sha256', sealing.key, Buffer.alloc(0), 'sluice app-portal tokens', 32));
}

import { loadKeyring, reloadKeys, rotateKeyFile } from '../auth/keyring.ts';
import { loadConfig } from '../gateway/config.ts';
import { ConfigError } from '../errors.ts';
import { openStore } from '../gateway/open-store.ts';
import { installKeys } from '../store/secret-box.ts';

/**
 * `sluice keys rotate`: a new key at the end of the key file, then every
 * stored endpoint secret sealed again under it. Older keys stay in the file,
 * so processes still running open both old and new values (they read the file
 * again when they meet a key they do not hold) and nothing stops meanwhile.
 * A SQLite file in use by a running gateway is resealed at that gateway's next start.
 */
export async function keys(sub: string, opts: { config: string }): Promise<number> {
  if (sub !== 'rotate') {
    process.stderr.write(`sluice: unknown keys command "${sub}" (known: rotate)\n`);
    return 2;
  }
  let config: Awaited<ReturnType<typeof loadConfig>>;
  try {
    config = await loadConfig(opts.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`sluice: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (config.secretKey) {
    process.stderr.write(
      'sluice: SLUICE_SECRET_KEY (secretKey) is set and always seals; rotate by setting a new one and moving the old one into the key file\n',
    );
    return 2;
  }
  const source = { envKey: undefined, file: config.secretKeyFile };
  loadKeyring(source);
  const key = rotateKeyFile(config.secretKeyFile);
  installKeys(reloadKeys(source), () => reloadKeys(source));
  process.stderr.write(`sluice: new key ${key.id} added to ${config.secretKeyFile}\n`);
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore(config.storageUrl, { ...config.storage });
  } catch (err) {
    if (/in use by another Sluice process/.test((err as Error).message)) {
      process.stderr.write('sluice: the database is in use by a running gateway; it seals under the new key at its next start\n');
      return 0;
    }
    process.stderr.write(`sluice: keys rotate: ${(err as Error).message}\n`);
    return 1;
  }
  try {
    const n = await store.resealSecrets();
    process.stdout.write(`resealed\t${n}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

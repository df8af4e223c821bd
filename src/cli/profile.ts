import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What `sluice login` remembers: the gateway and its token. */
export interface Profile {
  server: string;
  token: string;
}

/**
 * The user's config directory, as each platform names it: `XDG_CONFIG_HOME`
 * (else `~/.config`) on Linux, `~/Library/Application Support` on macOS,
 * `%APPDATA%` on Windows.
 */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'sluice');
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'sluice');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'sluice');
  return join(homedir(), '.config', 'sluice');
}

export function profilePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'profile.json');
}

/** The saved profile, or undefined when there is none (or it cannot be read as one). */
export function readProfile(env: NodeJS.ProcessEnv = process.env): Profile | undefined {
  try {
    const doc = JSON.parse(readFileSync(profilePath(env), 'utf8')) as Partial<Profile>;
    return typeof doc.server === 'string' && typeof doc.token === 'string' ? { server: doc.server, token: doc.token } : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the profile readable by its owner only (0600): it holds a token. */
export function writeProfile(profile: Profile, env: NodeJS.ProcessEnv = process.env): string {
  const path = profilePath(env);
  mkdirSync(configDir(env), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600 });
  // writeFileSync's mode applies only when it creates the file.
  chmodSync(path, 0o600);
  return path;
}

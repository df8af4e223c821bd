import { createInterface } from 'node:readline/promises';
import { ApiClient, DEFAULT_SERVER, runClient, UsageError, type ClientFlags } from './client.ts';
import { writeProfile } from './profile.ts';

/**
 * `sluice login`: checks the token against the gateway, then saves both in the
 * user's config directory (mode 0600) for every later command. The token comes
 * from `--token`, `SLUICE_TOKEN`, or a prompt on a terminal (never echoed to
 * the shell history that way).
 */
export function login(flags: ClientFlags): Promise<number> {
  return runClient(flags, async (out) => {
    const server = (flags.server ?? (process.env.SLUICE_SERVER || undefined) ?? DEFAULT_SERVER).replace(/\/+$/, '');
    let token = flags.token ?? (process.env.SLUICE_TOKEN || undefined);
    if (token === undefined) {
      if (!process.stdin.isTTY) throw new UsageError('no token: pass --token or set SLUICE_TOKEN (stdin is not a terminal to ask on)');
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      token = (await rl.question(`API token for ${server}: `)).trim();
      rl.close();
      if (!token) throw new UsageError('no token given');
    }
    const client = new ApiClient(server, token);
    await client.get('/app?limit=1');
    const path = writeProfile({ server, token });
    out.emit(`logged in to ${server} (profile saved in ${path})`, { server, profile: path });
  });
}

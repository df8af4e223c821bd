import { chromium, type Browser } from 'playwright-core';
import { existsSync } from 'node:fs';

/** Debian's chromium, the flags from DEVELOPERS.md: no sandbox (root in CI), no GPU, no traffic of its own. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  return `no chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does)`;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

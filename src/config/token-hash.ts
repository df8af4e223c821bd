import { createHash } from 'node:crypto';

/** How a configured API token is kept from the moment it is read: its SHA-256, hex (the token itself is never kept). */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

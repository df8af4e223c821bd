import { createHmac } from 'node:crypto';
import { safeEqual } from '../signing/compare.ts';
import { header, type ProviderDefinition } from './types.ts';

interface HmacOptions {
  header: string;
  algorithm: 'sha1' | 'sha256' | 'sha512';
  encoding: 'hex' | 'base64';
  prefix: string;
  timestampHeader: string | undefined;
  /** What is signed; `{body}` and `{timestamp}` are replaced. */
  signedContent: string;
}

/**
 * Generic HMAC for providers Sluice has no file for: one header carrying
 * `prefix + encode(HMAC(secret, content))`, where content is the raw body or a
 * template around it with an optional timestamp header.
 */
export const hmac: ProviderDefinition<HmacOptions> = {
  name: 'hmac',
  keys: ['header', 'algorithm', 'encoding', 'prefix', 'timestampHeader', 'signedContent'],
  needsSecret: true,
  parseOptions(section) {
    const headerName = section.str('header', { required: true });
    const algorithm = section.oneOf('algorithm', ['sha1', 'sha256', 'sha512'] as const, 'sha256');
    const encoding = section.oneOf('encoding', ['hex', 'base64'] as const, 'hex');
    const timestampHeader = section.str('timestampHeader');
    const signedContent = section.str('signedContent') ?? (timestampHeader ? '{timestamp}.{body}' : '{body}');
    if (!signedContent.includes('{body}')) section.problem('signedContent', 'must contain {body}');
    if (signedContent.includes('{timestamp}') && !timestampHeader) {
      section.problem('signedContent', 'uses {timestamp} but timestampHeader is not set');
    }
    if (!headerName || !algorithm || !encoding) return undefined;
    return {
      header: headerName.toLowerCase(),
      algorithm,
      encoding,
      prefix: section.str('prefix') ?? '',
      timestampHeader: timestampHeader?.toLowerCase(),
      signedContent,
    };
  },
  create(source, options) {
    const [before, after] = splitOnce(options.signedContent, '{body}');
    return {
      verify(req, nowMs) {
        const received = header(req, options.header);
        if (!received) return { ok: false, reason: `missing ${options.header} header` };
        if (!received.startsWith(options.prefix)) return { ok: false, reason: `${options.header} does not start with "${options.prefix}"` };
        let timestamp = '';
        if (options.timestampHeader) {
          timestamp = header(req, options.timestampHeader) ?? '';
          const seconds = Number(timestamp);
          if (!/^\d+$/.test(timestamp)) return { ok: false, reason: `missing or malformed ${options.timestampHeader} header` };
          // Some senders use milliseconds; anything past year 33658 in seconds is one.
          const ms = seconds > 1e12 ? seconds : seconds * 1000;
          if (Math.abs(nowMs - ms) > source.toleranceMs)
            return { ok: false, reason: `${options.timestampHeader} is outside the tolerance` };
        }
        const given = Buffer.from(received.slice(options.prefix.length).trim(), options.encoding);
        for (const secret of source.secrets) {
          const mac = createHmac(options.algorithm, secret);
          mac.update(before.replaceAll('{timestamp}', timestamp));
          mac.update(req.rawBody);
          mac.update(after.replaceAll('{timestamp}', timestamp));
          if (safeEqual(given, mac.digest())) return { ok: true };
        }
        return { ok: false, reason: 'no signature matches' };
      },
      extract: () => ({}),
    };
  },
};

function splitOnce(text: string, marker: string): [string, string] {
  const at = text.indexOf(marker);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + marker.length)];
}

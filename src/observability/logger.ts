import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs. Signature and credential fields are redacted wherever they
 * appear, as a second line of defence: the code never logs headers or secrets.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'sluice' },
      redact: {
        paths: [
          'secret',
          'secrets',
          '*.secret',
          '*.secrets',
          'apiToken',
          '*.authorization',
          'headers',
          '*.headers',
          'password',
          '*.password',
          'token',
          '*.token',
          'secretKey',
          'cookie',
          '*.cookie',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

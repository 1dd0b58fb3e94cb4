import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Personal data never goes into a log line: log ids, codes and counts, not attribute
 * values. The redaction list is the safety net for payloads that slip through.
 */
export function createLogger(
  level: string,
  bindings: Record<string, unknown> = {},
  destination: NodeJS.WritableStream = process.stdout,
): Logger {
  return pino(
    {
      level,
      base: { service: 'profile-hub', ...bindings },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'email',
          'phone',
          'firstName',
          'lastName',
          'birthDate',
          'address',
          '*.email',
          '*.phone',
          '*.firstName',
          '*.lastName',
          '*.birthDate',
          '*.address',
          'attributes',
          '*.attributes',
          'rawPayload',
          '*.rawPayload',
          'req.headers.authorization',
          'req.headers.cookie',
        ],
        censor: '[redacted]',
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination as pino.DestinationStream,
  );
}

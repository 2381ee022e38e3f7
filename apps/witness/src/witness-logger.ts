import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * The witness's structured JSON logger: the same line format as the platform's (`createLogger` in
 * libs/observability: level label, ISO time, `service`), without pulling in the platform's Nest
 * modules. Standard output, written asynchronously, unless a destination is given (tests).
 */
export function createWitnessLogger(level: string, destination?: DestinationStream, name = 'witness'): Logger {
  return pino(
    {
      name,
      level,
      base: { service: name },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/**
 * The log of `sluice up`: readable lines on a terminal (pino-pretty, in this thread so nothing
 * is lost at exit), JSON lines otherwise; `SLUICE_LOG_FORMAT=pretty|json` forces either.
 */
import { LOG_REDACT_PATHS, type ServerConfig } from '@sluice/server';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export function createUpLogger(
  config: Pick<ServerConfig, 'logLevel' | 'logFormat'>,
  terminal: boolean,
  destination: NodeJS.WritableStream = process.stdout,
): Logger {
  const format = config.logFormat ?? (terminal ? 'pretty' : 'json');
  // secrets never reach the log, whatever a caller hands the logger (SECURITY.md)
  const options = { level: config.logLevel, redact: { paths: [...LOG_REDACT_PATHS], censor: '[redacted]' } };
  if (format === 'json') return pino(options, destination as pino.DestinationStream);
  return pino(
    options,
    pretty({
      destination,
      sync: true,
      colorize: terminal,
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,reqId,status,ms',
      // a request line says it all in its message; an error keeps the id the client was given
      messageFormat: (log, key) =>
        Number(log.level) >= 50 && log.reqId ? `${log[key]} (request ${log.reqId})` : String(log[key] ?? ''),
    }),
  );
}

import { pino, type Logger } from "pino";

/** The library's default logger: silent. Pass your own pino logger to see what the engine does. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

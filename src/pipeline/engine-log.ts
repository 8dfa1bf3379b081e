// The engine narrates through a logger: every progress event a job emits (install times, looks, bisect
// steps, soak ticks) also goes to the structured log, with whatever the caller bound to it (repo, PR, SHA,
// job id on the App; the fleet run on a runner). The CLI's lines and the check run's text come from the
// same events, so the server log tells the whole story.
import type { ProgressEvent } from '../model.ts';

/** The subset of a pino logger the engine uses. */
export interface EngineLog {
  info(obj: object, msg: string): void;
}

/** One progress event as a log line: the message as the line, the rest as fields. */
export function narrate(log: EngineLog | undefined, event: ProgressEvent): void {
  if (!log) return;
  const { message, ...fields } = event;
  log.info({ engine: true, ...fields }, message);
}

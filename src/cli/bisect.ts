// `bumpbench bisect --repo DIR --base REF --head REF [--package NAME] [...the flags of compare]`
// Confirms the regression first (base vs head), then names the package and the first release that
// carries it. Progress (the current range and step) on stderr, the report on stdout.
import type { CliIo } from './io.ts';
import { runJobCommand } from './job-command.ts';

export const runBisectCommand = (args: string[], io: CliIo): Promise<number> => runJobCommand('bisect', args, io);

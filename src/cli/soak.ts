// `bumpbench soak --repo DIR --base REF --head REF [--duration 2h] [...the flags of compare]`
// Runs base and head side by side under the same steady load and says whether head's memory grows.
// Progress (elapsed time, memory of each side) on stderr, the report on stdout.
import type { CliIo } from './io.ts';
import { runJobCommand } from './job-command.ts';

export const runSoakCommand = (args: string[], io: CliIo): Promise<number> => runJobCommand('soak', args, io);

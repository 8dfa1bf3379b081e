// `bumpbench compare --repo DIR --base REF --head REF [--config FILE] [--json FILE] [--markdown FILE] [--db FILE]`
// Measures base against head and prints the verdict.
import type { CliIo } from './io.ts';
import { runJobCommand } from './job-command.ts';

export const runCompareCommand = (args: string[], io: CliIo): Promise<number> => runJobCommand('compare', args, io);

// Slash commands in PR comments: `/bumpbench bench|bisect [pkg]|soak [duration]|cancel|help`.
// Only the first line that starts with `/bumpbench` counts; case and extra spaces do not matter.
import { parseDurationMs } from '../config/units.ts';
import { MAX_SOAK_MS } from '../config/schema.ts';

export type Command =
  | { name: 'bench' }
  | { name: 'more'; pairs?: number }
  | { name: 'bisect'; package?: string }
  | { name: 'soak'; seconds?: number }
  | { name: 'cancel' }
  | { name: 'help' }
  | { name: 'unknown'; input: string; problem: string };

export const COMMAND_USAGE: readonly [string, string][] = [
  ['/bumpbench bench', 'compare the base and head of this PR'],
  ['/bumpbench more [pairs]', 'add pairs to this commit\'s last compare (an inconclusive one) instead of starting over, e.g. `/bumpbench more 6` (default: what its open scenarios need)'],
  ['/bumpbench bisect [package]', 'find the package and release that caused a regression (optionally only one package)'],
  ['/bumpbench soak [duration]', 'run both sides under steady load and look for a memory leak, e.g. `/bumpbench soak 4h` (default: the config\'s `soak.duration`, 2h; at most 12h; with the default warm-up and windows at least 1h16m)'],
  ['/bumpbench cancel', 'cancel the queued or running job of this PR'],
  ['/bumpbench help', 'show this list'],
];

const PREFIX = /^\/bumpbench(?=\s|$)/i;

/** The most pairs one `/bumpbench more` may add: about an hour of a default compare's runner time. */
export const MAX_MORE_PAIRS = 100;

/** The command in a comment, or null when no line starts with `/bumpbench`. */
export function parseCommand(body: string): Command | null {
  const line = body
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => PREFIX.test(l));
  if (line === undefined) return null;
  const [, word, ...args] = line.split(/\s+/);
  const input = line.replace(/\s+/g, ' ');
  switch (word?.toLowerCase()) {
    case undefined:
    case '':
    case 'help':
      return { name: 'help' };
    case 'bench':
    case 'compare':
      return { name: 'bench' };
    case 'more': {
      if (args.length === 0) return { name: 'more' };
      if (args.length > 1 || !/^[1-9]\d*$/.test(args[0]) || Number(args[0]) > MAX_MORE_PAIRS) {
        return { name: 'unknown', input, problem: `"${args.join(' ')}" is not a number of pairs: write e.g. \`/bumpbench more 6\` (at most ${MAX_MORE_PAIRS})` };
      }
      return { name: 'more', pairs: Number(args[0]) };
    }
    case 'bisect':
      if (args.length > 1) return { name: 'unknown', input, problem: 'bisect takes at most one package name' };
      return args[0] ? { name: 'bisect', package: args[0] } : { name: 'bisect' };
    case 'soak': {
      if (args.length === 0) return { name: 'soak' };
      const ms = args.length === 1 ? parseDurationMs(args[0]) : null;
      if (ms === null || ms <= 0) {
        return { name: 'unknown', input, problem: `"${args.join(' ')}" is not a duration: write e.g. 30m or 2h` };
      }
      if (ms > MAX_SOAK_MS) return { name: 'unknown', input, problem: `a soak lasts at most 12h, not ${args[0]}` };
      return { name: 'soak', seconds: ms / 1000 };
    }
    case 'cancel':
    case 'stop':
      return { name: 'cancel' };
    default:
      return { name: 'unknown', input, problem: `"${word}" is not a bumpbench command` };
  }
}

// Finding processes a test may have left behind, from /proc.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Pids of live processes whose working directory is under `dir` (servers run in worktrees there). */
export function serverPidsUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (cwd.startsWith(dir) && state !== 'Z') pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** Live processes whose working directory is under `dir`, with their command lines. */
export function processesUnder(dir: string): { pid: number; cmdline: string }[] {
  return serverPidsUnder(dir).flatMap((pid) => {
    try {
      return [{ pid, cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim() }];
    } catch {
      return [];
    }
  });
}

/** One line per process: pid, parent pid, state and command line (for a test's failure message). */
export function describeProcesses(processes: { pid: number; cmdline: string }[]): string {
  return processes
    .map(({ pid, cmdline }) => {
      let parent = '?';
      let state = '?';
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        [state = '?', parent = '?'] = fields;
      } catch {
        // gone meanwhile
      }
      return `  pid ${pid} ppid ${parent} state ${state}: ${cmdline}`;
    })
    .join('\n');
}

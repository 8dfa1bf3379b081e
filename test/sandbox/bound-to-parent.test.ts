// A command started through boundToParent dies with the process that started it, whatever moment that
// process dies at; one whose starter is already gone when it begins does not run at all.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { boundToParent } from '../../src/sandbox/support.ts';

const alive = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
};

describe('boundToParent', () => {
  it('the command dies with its starter, even killed outright', async () => {
    // A starter process that starts a bound sleep, prints its pid, and is then SIGKILLed.
    const script = `const { spawn } = require('node:child_process');
const prefix = ${JSON.stringify(boundToParent(0))}.map((a) => a === '0' ? String(process.pid) : a);
const c = spawn(prefix[0], [...prefix.slice(1), 'sleep', '1002'], { detached: true, stdio: 'ignore' });
setTimeout(() => { console.log(c.pid); }, 300);`;
    const starter = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = Number(await new Promise<string>((resolve) => starter.stdout.once('data', (d) => resolve(String(d).trim()))));
    expect(alive(pid)).toBe(true);
    starter.kill('SIGKILL');
    const deadline = Date.now() + 5_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(alive(pid)).toBe(false);
  });

  it('does not run the command when its starter is already gone (the window bubblewrap leaves open)', () => {
    // Claims a parent that is not ours: as if we had died between the fork and the signal being armed.
    const [file, ...args] = boundToParent(1);
    const run = spawnSync(file, [...args, 'sh', '-c', 'echo ran'], { encoding: 'utf8' });
    expect(run.status).toBe(125);
    expect(run.stdout).toBe('');
    const [ok, ...okArgs] = boundToParent();
    expect(spawnSync(ok, [...okArgs, 'sh', '-c', 'echo ran'], { encoding: 'utf8' }).stdout).toBe('ran\n');
  });
});

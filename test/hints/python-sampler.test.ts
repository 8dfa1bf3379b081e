// The Python hook's CPU sampler on its own: a process whose threads come and go by the thousand (a
// ThreadingHTTPServer makes one per connection) while the sampler looks every half millisecond. It must
// survive (reading stacks by walking f_back crashed such an app on CPython 3.11), name each function once
// at its `def` line whichever of its lines ran, and work on PyPy too.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/git-repo.ts';

const HOOKS = path.resolve(import.meta.dirname, '../../src/hints/hooks/python');

// Threads that live half a millisecond each, eight at a time, for 2.5 s (the churn a thread per connection
// makes), beside one long-lived thread that burns in nested calls (what the profile should find).
const CHURN = `import threading, time

def leaf(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


def burner(end):
    while time.time() < end:
        leaf(2000)


def short():
    for _ in range(20):
        leaf(50)


end = time.time() + 2.5
threading.Thread(target=burner, args=(end,)).start()
started = 0
while time.time() < end:
    batch = [threading.Thread(target=short) for _ in range(8)]
    for t in batch:
        t.start()
    for t in batch:
        t.join()
    started += len(batch)
print(started)
`;

function runWithHook(python: string): { stdout: string; stderr: string; profile: { stacks: [string, string, number][][]; samples: [number, number, number][] } } {
  const dir = tempDir('bumpbench-py-sampler-');
  const out = path.join(dir, 'observe');
  mkdirSync(out);
  writeFileSync(path.join(dir, 'churn.py'), CHURN);
  const run = spawnSync(python, ['churn.py'], {
    cwd: dir, encoding: 'utf8', timeout: 60_000,
    env: { PATH: process.env.PATH ?? '', PYTHONPATH: HOOKS, BUMPBENCH_OBSERVE_DIR: out, BUMPBENCH_OBSERVE: 'cpu', BUMPBENCH_OBSERVE_CPU_US: '500' },
  });
  if (run.status !== 0) throw new Error(`${python} with the hook ended with ${run.signal ?? `exit ${run.status}`}: ${run.stderr}`);
  const { stdout, stderr } = run;
  const file = readdirSync(out).find((f) => f.endsWith('.pyprofile.json'));
  expect(file, `no profile in ${readdirSync(out).join(', ')}`).toBeDefined();
  return { stdout, stderr, profile: JSON.parse(readFileSync(path.join(out, file!), 'utf8')) };
}

/** CPU (µs) per innermost function "name:defLine" of the script. */
function byFunction(profile: ReturnType<typeof runWithHook>['profile']): Map<string, number> {
  const out = new Map<string, number>();
  for (const [, sid, us] of profile.samples) {
    const [file, name, line] = profile.stacks[sid][0];
    if (!file.endsWith('churn.py')) continue;
    out.set(`${name}:${line}`, (out.get(`${name}:${line}`) ?? 0) + us);
  }
  return out;
}

describe('the Python CPU sampler', () => {
  for (const python of ['python3', 'pypy3']) {
    it(`${python}: survives threads that come and go, and names each function at its def line`, () => {
      const { stdout, stderr, profile } = runWithHook(python);
      expect(Number(stdout.trim())).toBeGreaterThan(100);
      // Nothing of the hook's reaches the app's output.
      expect(stderr).toBe('');
      const cpu = byFunction(profile);
      // `leaf` is where the burner's time goes, named once at line 3 though its loop lines ran.
      expect([...cpu.keys()].filter((k) => k.startsWith('leaf:'))).toEqual(['leaf:3']);
      const total = [...cpu.values()].reduce((a, b) => a + b, 0);
      expect(cpu.get('leaf:3')! / total).toBeGreaterThan(0.5);
    }, 90_000);
  }
});

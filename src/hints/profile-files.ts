// Each side's CPU profile of the observe run, kept beside the result in the two formats tools read:
// `.cpuprofile` (Chrome DevTools, speedscope; Node's own, or built from the Python sampler's stacks) and
// collapsed stacks (flamegraph.pl, speedscope), one line per stack with the scenario as its root frame
// so a flame graph splits by endpoint. The busiest process of the side is the one kept.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProfileFiles } from '../model.ts';
import type { AttributedSample, Frame } from './cpu-samples.ts';
import type { PyProfile } from './observe-files.ts';
import { countedBuckets, type ObservedScenario } from './windows.ts';

/** Collapsed stacks of the samples inside each scenario's counted buckets, weights in µs. */
export function collapsedStacks(samples: readonly AttributedSample[], scenarios: readonly ObservedScenario[]): string {
  const scenarioOf = new Map<number, string>();
  for (const s of scenarios) for (const b of countedBuckets(s)) scenarioOf.set(b, s.scenario);
  const label = (f: Frame) => `${f.fn || '(anonymous)'}${f.file ? ` (${path.basename(f.file)}:${f.line})` : ''}`.replace(/[;\n]/g, ',');
  const lines = new Map<string, number>();
  for (const s of samples) {
    const scenario = scenarioOf.get(s.bucket);
    if (!scenario) continue;
    const stack = [scenario, ...[...s.frames].reverse().map(label)].join(';') || scenario;
    lines.set(stack, (lines.get(stack) ?? 0) + s.us);
  }
  return [...lines.entries()].map(([stack, us]) => `${stack} ${Math.max(1, Math.round(us))}`).join('\n') + '\n';
}

/** The Python sampler's stacks as a Chrome `.cpuprofile`: each sample's time delta is the CPU it stands for. */
export function pythonCpuprofile(profile: PyProfile): string {
  type Node = { id: number; callFrame: { functionName: string; scriptId: string; url: string; lineNumber: number; columnNumber: number }; hitCount: number; children: number[] };
  const nodes: Node[] = [{ id: 1, callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, hitCount: 0, children: [] }];
  const childOf = new Map<string, number>();
  const leafOf = profile.stacks.map((stack) => {
    let parent = 1;
    for (const [file, fn, line] of [...stack].reverse()) {
      const key = `${parent}\0${file}\0${fn}\0${line}`;
      let id = childOf.get(key);
      if (id === undefined) {
        id = nodes.length + 1;
        nodes.push({ id, callFrame: { functionName: fn, scriptId: '0', url: file.startsWith('<') ? '' : file, lineNumber: line - 1, columnNumber: 0 }, hitCount: 0, children: [] });
        nodes[parent - 1].children.push(id);
        childOf.set(key, id);
      }
      parent = id;
    }
    return parent;
  });
  const ordered = [...profile.samples].sort((a, b) => a[0] - b[0]);
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  for (const [, sid, us] of ordered) {
    const leaf = leafOf[sid];
    if (leaf === undefined) continue;
    samples.push(leaf);
    timeDeltas.push(Math.max(1, Math.round(us)));
    nodes[leaf - 1].hitCount++;
  }
  const startTime = ordered.length ? Math.round(ordered[0][0] * profile.bucketMs * 1000) : 0;
  const endTime = startTime + timeDeltas.reduce((a, b) => a + b, 0);
  return JSON.stringify({ nodes, startTime, endTime, samples, timeDeltas });
}

/** Write one side's profile files into `dir`; their paths. */
export async function saveProfiles(
  dir: string,
  side: 'base' | 'head',
  profile: { cpuprofile: string; samples: readonly AttributedSample[]; scenarios: readonly ObservedScenario[] },
): Promise<ProfileFiles> {
  await mkdir(dir, { recursive: true });
  const files: ProfileFiles = { cpuprofile: path.join(dir, `${side}.cpuprofile`), collapsed: path.join(dir, `${side}.collapsed.txt`) };
  await writeFile(files.cpuprofile, profile.cpuprofile);
  await writeFile(files.collapsed, collapsedStacks(profile.samples, profile.scenarios));
  return files;
}

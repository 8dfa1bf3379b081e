// A CPU profile of either runtime as one shape: weighted stack samples on the shared bucket clock, each
// already attributed to its owner (a package, the app, the runtime, garbage collection). The owner of a
// sample is the innermost frame that is not the runtime's: the time String.prototype.normalize or
// Python's hmac spend is charged to the package that called them, which is what "this package got
// slower" means to the person reading the hint.
import { ownerOfFile, type FrameOwner } from './attribution.ts';
import type { PyProfile, V8Profile } from './observe-files.ts';

/** Owner labels that are not packages. */
export const APP = '(app)';
export const RUNTIME = '(runtime)';
export const GC = '(gc)';
export const UNATTRIBUTED = '(unattributed)';

export interface Frame {
  fn: string;
  /** The file, or null for the runtime's own entries ((program), (garbage collector)). */
  file: string | null;
  /** 1-based line (Node: of the function's start; Python: the code object's first line). */
  line: number;
}

export interface AttributedSample {
  bucket: number;
  /** Innermost first. */
  frames: Frame[];
  /** CPU time this sample stands for, µs. */
  us: number;
  /** Package name, APP, RUNTIME, GC or UNATTRIBUTED. */
  owner: string;
  ecosystem?: 'npm' | 'pypi';
  /** The owning function, by name and file: "slugify (textkit/slugify.js)" (its line moves between versions). */
  fn: string;
  /** The owning frame with its line: "textkit/slugify.js:20". */
  site?: string;
}

/** Where a frame is, as the reader knows it: inside its package, or relative to the project. */
export function siteOf(owner: FrameOwner, file: string, line: number, projectDir?: string): string {
  if (owner.kind === 'package') return `${owner.name}/${owner.inside}:${line}`;
  let shown = file.startsWith('file://') ? decodeURIComponent(new URL(file).pathname) : file;
  if (projectDir && shown.startsWith(`${projectDir}/`)) shown = shown.slice(projectDir.length + 1);
  return `${shown}:${line}`;
}

function attribute(frames: Frame[], runtimeDirs: readonly string[], projectDir?: string): Pick<AttributedSample, 'owner' | 'ecosystem' | 'fn' | 'site'> {
  const leaf = frames[0];
  if (leaf && leaf.file === null && leaf.fn === '(garbage collector)') return { owner: GC, fn: '(garbage collector)' };
  for (const frame of frames) {
    const owner = ownerOfFile(frame.file, runtimeDirs);
    if (owner.kind === 'runtime') continue;
    const site = siteOf(owner, frame.file!, frame.line, projectDir);
    const fn = `${frame.fn || '(anonymous)'} (${site.replace(/:\d+$/, '')})`;
    return owner.kind === 'package' ? { owner: owner.name, ecosystem: owner.ecosystem, fn, site } : { owner: APP, fn, site };
  }
  return { owner: RUNTIME, fn: leaf?.fn || '(program)' };
}

/**
 * V8's profile: a tree of call frames and a sample (a leaf node) per tick with the time since the one
 * before. A sample stands for the time up to the next one; (idle) samples are not CPU and are dropped.
 */
export function samplesFromV8(profile: V8Profile, bucketMs: number, projectDir?: string): AttributedSample[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const cache = new Map<number, { frames: Frame[]; attributed: ReturnType<typeof attribute> }>();
  const describe = (id: number) => {
    let hit = cache.get(id);
    if (!hit) {
      const frames: Frame[] = [];
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const node = byId.get(at);
        if (!node || node.callFrame.functionName === '(root)') break;
        const cf = node.callFrame;
        frames.push({ fn: cf.functionName, file: cf.url || null, line: cf.lineNumber + 1 });
      }
      hit = { frames, attributed: attribute(frames, [], projectDir) };
      cache.set(id, hit);
    }
    return hit;
  };
  const out: AttributedSample[] = [];
  const { samples, timeDeltas } = profile;
  // A tick delayed far beyond the interval (the process was stopped) must not weigh as much as the delay.
  const sorted = timeDeltas.filter((d) => d > 0).sort((a, b) => a - b);
  const maxWeight = 10 * (sorted[Math.floor(sorted.length / 2)] ?? 1000);
  let t = profile.startTime;
  const times: number[] = [];
  for (let i = 0; i < samples.length; i++) {
    t += timeDeltas[i] ?? 0;
    times.push(t);
  }
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i]);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    const next = i + 1 < times.length ? times[i + 1] : profile.endTime;
    const us = Math.min(maxWeight, Math.max(0, next - times[i]));
    if (us === 0) continue;
    const { frames, attributed } = describe(samples[i]);
    out.push({ bucket: Math.floor(times[i] / 1000 / bucketMs), frames, us, ...attributed });
  }
  return out;
}

/** The Python sampler's profile: each stack weighed by the CPU its thread used since the last look. */
export function samplesFromPython(profile: PyProfile, projectDir?: string): AttributedSample[] {
  const stacks = profile.stacks.map((s) => s.map(([file, fn, line]): Frame => ({ fn, file: file.startsWith('<') ? null : file, line })));
  const attributed = stacks.map((frames) => attribute(frames, profile.runtimeDirs, projectDir));
  const out: AttributedSample[] = [];
  for (const [bucket, sid, us] of profile.samples) {
    if (!stacks[sid] || us <= 0) continue;
    out.push({ bucket, frames: stacks[sid], us, ...attributed[sid] });
  }
  // CPU of threads that started and ended between two looks: counted, but nobody's.
  for (const [bucket, us] of profile.unattributed) if (us > 0) out.push({ bucket, frames: [], us, owner: UNATTRIBUTED, fn: UNATTRIBUTED });
  return out;
}

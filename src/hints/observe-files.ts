// Reading what the hooks wrote. Those files come from the code under test, so they are untrusted input:
// never followed through a symlink (a hostile app could point one at a file of ours and have it quoted
// in the PR comment), size-capped, and validated before use.
import { constants } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** Largest single file read (a CPU profile of a long run is the biggest). */
const MAX_FILE_BYTES = 128 * 1024 * 1024;

const FILE_NAME = /^(\d{1,10})\.(hello\.json|outbound\.json|cpuprofile|pyprofile\.json|packages\.json|heap-start\.json|heap-end\.json|done|mem-done|error)$/;

const text = (max: number) => z.string().max(max);

export const outboundKeySchema = z.object({
  kind: z.enum(['dns', 'tcp', 'tls', 'http']),
  host: text(300).nullable(),
  port: z.number().int().min(0).max(65_535).nullable(),
  method: text(32).nullable(),
  path: text(400).nullable(),
  package: text(214).nullable(),
  via: z.array(text(214)).max(8).default([]),
  site: text(600).nullable(),
  buckets: z.array(z.tuple([z.number().int(), z.number().int().nonnegative()])),
});
export type OutboundKey = z.output<typeof outboundKeySchema>;

const outboundSchema = z.object({
  bucketMs: z.number().positive(),
  overflow: z.number().int().nonnegative().default(0),
  keys: z.array(outboundKeySchema).max(5_000),
});
export type OutboundFile = z.output<typeof outboundSchema>;

const callFrameSchema = z.object({
  functionName: z.string(),
  url: z.string(),
  lineNumber: z.number().int(),
  columnNumber: z.number().int().optional(),
  scriptId: z.union([z.string(), z.number()]).optional(),
});

export const v8ProfileSchema = z.object({
  nodes: z.array(z.object({ id: z.number().int(), callFrame: callFrameSchema, children: z.array(z.number().int()).optional() }).passthrough()),
  startTime: z.number(),
  endTime: z.number(),
  samples: z.array(z.number().int()),
  timeDeltas: z.array(z.number()),
});
export type V8Profile = z.output<typeof v8ProfileSchema>;

const pyProfileSchema = z.object({
  bucketMs: z.number().positive(),
  intervalUs: z.number().positive(),
  stacks: z.array(z.array(z.tuple([text(1000), text(500), z.number().int()]))),
  samples: z.array(z.tuple([z.number().int(), z.number().int().nonnegative(), z.number().nonnegative()])),
  unattributed: z.array(z.tuple([z.number().int(), z.number().nonnegative()])).default([]),
  overheadUs: z.number().nonnegative().default(0),
  /** The interpreter's standard library directories: frames there are the runtime's. */
  runtimeDirs: z.array(text(4096)).max(8).default([]),
});
export type PyProfile = z.output<typeof pyProfileSchema>;

const helloSchema = z.object({
  pid: z.number().int(),
  runtime: z.enum(['node', 'python']),
  version: text(64),
  argv: z.array(text(1000)).default([]),
  cwd: text(4096).optional(),
});

const constructorSchema = z.object({
  type: text(64),
  name: text(500),
  count: z.number().nonnegative(),
  bytes: z.number().nonnegative().default(0),
});
const siteSchema = z.object({
  package: text(214).nullable(),
  site: text(600).nullable(),
  /** Node: the allocating function (V8 samples by function; `site` is where it starts). */
  function: text(500).nullable().optional(),
  bytes: z.number().nonnegative(),
  count: z.number().nonnegative().optional(),
});
const heapStartSchema = z.object({ at: z.number() });
const heapEndSchema = z.object({
  at: z.number(),
  constructors: z.array(constructorSchema).max(1_000).default([]),
  sites: z.array(siteSchema).max(1_000).default([]),
});
export type HeapStart = z.output<typeof heapStartSchema>;
export type HeapEnd = z.output<typeof heapEndSchema>;

/** What one process of the server reported. */
export interface ProcessObservation {
  pid: number;
  runtime: 'node' | 'python';
  version: string;
  argv: string[];
  done: boolean;
  outbound?: OutboundFile;
  /** Node: the profile as written (saved as is) and parsed. */
  cpuprofile?: { text: string; profile: V8Profile };
  pyprofile?: PyProfile;
  /** Python: import name → distribution names, from importlib.metadata. */
  packages?: Record<string, string[]>;
  heapStart?: HeapStart;
  heapEnd?: HeapEnd;
  memoryDone: boolean;
  /** What went wrong in the hook, or in reading its files. */
  problems: string[];
}

/** Read a file the sandbox wrote: a regular file, not through a symlink, at most `max` bytes. */
export async function readUntrusted(file: string, max = MAX_FILE_BYTES): Promise<string> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error(`${path.basename(file)} is not a regular file`);
    if (stat.size > max) throw new Error(`${path.basename(file)} is larger than ${Math.round(max / 1024 / 1024)} MiB`);
    return await handle.readFile({ encoding: 'utf8' });
  } finally {
    await handle.close();
  }
}

/** The processes that said hello, and those of them that finished (wrote `done`). */
export async function processStates(dir: string): Promise<{ started: number[]; done: number[]; memoryDone: number[] }> {
  const started: number[] = [];
  const done: number[] = [];
  const memoryDone: number[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = FILE_NAME.exec(name);
    if (!m) continue;
    if (m[2] === 'hello.json') started.push(Number(m[1]));
    if (m[2] === 'done') done.push(Number(m[1]));
    if (m[2] === 'mem-done') memoryDone.push(Number(m[1]));
  }
  return { started, done, memoryDone };
}

function parseWith<T>(schema: z.ZodType<T>, raw: string, what: string, problems: string[]): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    if (parsed.success) return parsed.data;
    problems.push(`${what}: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  } catch (err) {
    problems.push(`${what}: ${(err as Error).message}`);
  }
  return undefined;
}

/** Everything the hooks left in an observe directory, per process. */
export async function readObservation(dir: string): Promise<ProcessObservation[]> {
  const byPid = new Map<number, ProcessObservation>();
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => FILE_NAME.test(n)).sort();
  const helloFirst = [...names.filter((n) => n.endsWith('.hello.json')), ...names.filter((n) => !n.endsWith('.hello.json'))];
  for (const name of helloFirst) {
    const [, pidText, kind] = FILE_NAME.exec(name)!;
    const pid = Number(pidText);
    let entry = byPid.get(pid);
    const problems: string[] = entry?.problems ?? [];
    let raw: string;
    try {
      raw = await readUntrusted(path.join(dir, name));
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
      continue;
    }
    if (kind === 'hello.json') {
      const hello = parseWith(helloSchema, raw, name, problems);
      if (!hello) continue;
      byPid.set(pid, { pid, runtime: hello.runtime, version: hello.version, argv: hello.argv, done: false, memoryDone: false, problems });
      continue;
    }
    // A file of a process that never said hello is left alone.
    if (!entry) continue;
    switch (kind) {
      case 'outbound.json':
        entry.outbound = parseWith(outboundSchema, raw, name, problems);
        break;
      case 'cpuprofile': {
        const profile = parseWith(v8ProfileSchema, raw, name, problems);
        if (profile) entry.cpuprofile = { text: raw, profile };
        break;
      }
      case 'pyprofile.json':
        entry.pyprofile = parseWith(pyProfileSchema, raw, name, problems);
        break;
      case 'packages.json':
        entry.packages = parseWith(z.record(text(300), z.array(text(300))), raw, name, problems);
        break;
      case 'heap-start.json':
        entry.heapStart = parseWith(heapStartSchema, raw, name, problems);
        break;
      case 'heap-end.json':
        entry.heapEnd = parseWith(heapEndSchema, raw, name, problems);
        break;
      case 'done':
        entry.done = true;
        break;
      case 'mem-done':
        entry.memoryDone = true;
        break;
      case 'error':
        problems.push(`the hook in process ${pid} failed: ${raw.slice(0, 500)}`);
        break;
    }
  }
  return [...byPid.values()];
}

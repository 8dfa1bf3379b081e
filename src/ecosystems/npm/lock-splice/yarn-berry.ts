// A candidate's yarn.lock (yarn 2+): base's, with each pinned package at head's release taking head's
// entries for it and for everything it resolved to at head. `yarn install --immutable` compares the file
// byte for byte with what it would write, so entries are moved as head's and base's own text; only an
// entry's key line is rewritten (in yarn's form: its requests sorted, quoted) when requests move between
// entries. Entries are kept in yarn's order (sorted by key). A release neither side locks is not spliced
// here (yarn's checksums are of its own archives): the caller lets yarn resolve it.
import { parse } from 'yaml';
import { admits } from './manifest-specs.ts';
import { SpliceUnsupported } from './types.ts';

interface BerryEntry {
  version?: string;
  resolution?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

interface Block {
  descriptors: string[];
  /** The entry's text without its key line. */
  body: string;
  entry: BerryEntry;
}

interface BerryLock {
  preamble: string[];
  blocks: Block[];
}

function keyLine(descriptors: string[]): string {
  return `"${[...descriptors].sort().join(', ')}":`;
}

function parseLock(text: string, which: string): BerryLock {
  const chunks = text.replace(/\r\n/g, '\n').trimEnd().split(/\n\n+/);
  const preamble: string[] = [];
  const blocks: Block[] = [];
  for (const chunk of chunks) {
    const [first, ...rest] = chunk.split('\n');
    if (first.startsWith('#') || first.startsWith('__metadata:')) {
      preamble.push(chunk);
      continue;
    }
    const match = /^"?(.*?)"?:$/.exec(first);
    if (!match) throw new SpliceUnsupported(`${which} yarn.lock has an entry this splice cannot read: ${first}`);
    const parsed = parse(chunk) as Record<string, BerryEntry>;
    blocks.push({ descriptors: match[1].split(', '), body: rest.join('\n'), entry: Object.values(parsed)[0] ?? {} });
  }
  if (!preamble.some((p) => p.startsWith('__metadata:'))) throw new SpliceUnsupported(`${which} yarn.lock is not a yarn 2+ lockfile`);
  return { preamble, blocks };
}

function render(lock: BerryLock): string {
  const blocks = lock.blocks
    .filter((b) => b.descriptors.length > 0)
    .map((b) => ({ key: [...b.descriptors].sort().join(', '), text: `${keyLine(b.descriptors)}\n${b.body}` }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return `${[...lock.preamble, ...blocks.map((b) => b.text)].join('\n\n')}\n`;
}

/** "name" of a descriptor "name@npm:^1.0.0". */
function descriptorName(descriptor: string): string {
  return descriptor.slice(0, descriptor.indexOf('@', 1));
}

function descriptorRange(descriptor: string): string {
  return descriptor.slice(descriptor.indexOf('@', 1) + 1).replace(/^npm:/, '');
}

function requests(entry: BerryEntry): string[] {
  return [...Object.entries(entry.dependencies ?? {}), ...Object.entries(entry.optionalDependencies ?? {})].map(([d, r]) => `${d}@${r}`);
}

const isWorkspace = (b: Block) => b.entry.resolution?.includes('@workspace:') ?? false;

function reachable(lock: BerryLock): Set<string> {
  const byDescriptor = new Map(lock.blocks.flatMap((b) => b.descriptors.map((d) => [d, b] as const)));
  const seen = new Set<string>();
  const queue = lock.blocks.filter(isWorkspace).flatMap((b) => [...b.descriptors, ...requests(b.entry)]);
  while (queue.length > 0) {
    const d = queue.shift()!;
    if (seen.has(d)) continue;
    seen.add(d);
    const block = byDescriptor.get(d);
    if (block) queue.push(...requests(block.entry));
  }
  return seen;
}

export function spliceYarnBerry(
  base: { manifest: string; lockfile: string }, head: { manifest: string; lockfile: string }, versions: Record<string, string>,
  specFor: (name: string, version: string, takesHead: boolean) => string | undefined,
): { text: string; specs: Map<string, string> } {
  const cand = parseLock(base.lockfile, "base's");
  const theirs = parseLock(head.lockfile, "head's");
  const before = reachable(cand);
  const specs = new Map<string, string>();
  const blockOf = (lock: BerryLock, descriptor: string) => lock.blocks.find((b) => b.descriptors.includes(descriptor));

  /** Takes head's block (as head wrote it) in place of whatever base resolved its requests to. */
  const take = (block: Block): Block => {
    for (const b of cand.blocks) b.descriptors = b.descriptors.filter((d) => !block.descriptors.includes(d));
    const copy = { ...block, descriptors: [...block.descriptors] };
    cand.blocks.push(copy);
    return copy;
  };

  const follow = (block: Block, seen: Set<string>): void => {
    for (const d of requests(block.entry)) {
      if (seen.has(d)) continue;
      seen.add(d);
      const headBlock = blockOf(theirs, d);
      if (!headBlock) continue;
      const mine = blockOf(cand, d);
      if (mine && mine.entry.resolution === headBlock.entry.resolution) continue;
      follow(take(headBlock), seen);
    }
  };

  const headWorkspace = theirs.blocks.find(isWorkspace);
  for (const [name, version] of Object.entries(versions)) {
    const headBlocks = theirs.blocks.filter((b) => b.descriptors.some((d) => descriptorName(d) === name) && !isWorkspace(b));
    const wantedHead = headBlocks.filter((b) => b.entry.version === version || b.descriptors.some((d) => descriptorRange(d) === version));
    const baseBlocks = cand.blocks.filter((b) => b.descriptors.some((d) => descriptorName(d) === name) && !isWorkspace(b));
    const takesHead = wantedHead.length > 0 && !wantedHead.every((h) => baseBlocks.some((b) => b.entry.resolution === h.entry.resolution));
    const spec = specFor(name, version, takesHead);
    if (spec !== undefined) specs.set(name, spec);
    if (!takesHead) {
      if (baseBlocks.some((b) => b.entry.version === version || b.descriptors.some((d) => descriptorRange(d) === version))) continue;
      throw new SpliceUnsupported(`${name}@${version} is not locked by head's yarn.lock: yarn resolves it`);
    }
    for (const headBlock of wantedHead) {
      const taken = take(headBlock);
      // Base's other requests for it move to the new release where it satisfies them (as yarn would dedupe).
      for (const b of baseBlocks) {
        const moving = b.descriptors.filter((d) => descriptorName(d) === name && headBlock.entry.version && admits(descriptorRange(d), headBlock.entry.version));
        if (moving.length === 0) continue;
        b.descriptors = b.descriptors.filter((d) => !moving.includes(d));
        taken.descriptors.push(...moving.filter((d) => !taken.descriptors.includes(d)));
      }
      follow(taken, new Set());
    }
    // The project's own request, as head's workspace entry writes it.
    const headLine = headWorkspace?.body.split('\n').find((l) => new RegExp(`^ {4}"?${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"?: `).test(l));
    const workspace = cand.blocks.find(isWorkspace);
    if (workspace && headLine) {
      const pattern = new RegExp(`^ {4}"?${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"?: .*$`, 'm');
      if (pattern.test(workspace.body)) {
        workspace.body = workspace.body.replace(pattern, headLine);
        const parsed = parse(`${keyLine(workspace.descriptors)}\n${workspace.body}`) as Record<string, BerryEntry>;
        workspace.entry = Object.values(parsed)[0] ?? workspace.entry;
      }
    }
  }

  const after = reachable(cand);
  for (const b of cand.blocks) if (!isWorkspace(b)) b.descriptors = b.descriptors.filter((d) => !(before.has(d) && !after.has(d)));
  return { text: render(cand), specs };
}

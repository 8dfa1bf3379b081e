// A candidate's pnpm-lock.yaml (lockfile 6.0 and 9.0): base's, with each pinned package at head's release
// taking head's importer entry, head's package entry and the entries of everything it resolved to at head
// (v9: `packages` + `snapshots`; v6: `packages`, dependencies inside). Entries only the old release needed
// go. The YAML document is edited in place, so every other entry keeps base's text; `pnpm install
// --frozen-lockfile` then installs exactly this. A release neither side locks is not spliced here
// (pnpm's peer-dependency suffixes are its own to compute): the caller lets pnpm resolve it.
import { isMap, parseDocument, type Document, type YAMLMap } from 'yaml';
import { SpliceUnsupported } from './types.ts';

const IMPORTER_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies'] as const;

type Plain = Record<string, unknown>;

interface Shape {
  doc: Document;
  data: Plain;
  v9: boolean;
  /** The path of the project's importer: ['importers', '.'] or [] (v6 without workspaces). */
  importer: string[];
}

function shapeOf(text: string, which: string): Shape {
  const doc = parseDocument(text);
  const data = (doc.toJS() ?? {}) as Plain;
  const version = String(data.lockfileVersion ?? '');
  const major = Number.parseInt(version, 10);
  if (!(major === 6 || major === 9)) throw new SpliceUnsupported(`${which} pnpm-lock.yaml is lockfile ${version || 'of an unknown version'}: only 6.0 and 9.0 are spliced`);
  const importers = data.importers as Plain | undefined;
  return { doc, data, v9: major === 9, importer: importers?.['.'] ? ['importers', '.'] : [] };
}

function importerOf(shape: Shape): Plain {
  let at: unknown = shape.data;
  for (const k of shape.importer) at = (at as Plain)[k];
  return (at ?? {}) as Plain;
}

/** The entry key a dependency reference points at, or null for a link to a workspace folder. */
function keyOf(shape: Shape, name: string, ref: string): string | null {
  if (ref.startsWith('link:')) return null;
  if (shape.v9) return /^(@[^/]+\/)?[^@/]+@/.test(ref) && !/^\d/.test(ref) ? ref : `${name}@${ref}`;
  if (ref.startsWith('/') || /^(file|git|https?|github):/.test(ref)) return ref;
  return `/${name}@${ref}`;
}

/** The dependencies an entry resolved: name → reference. */
function depsOf(shape: Shape, key: string): [string, string][] {
  const holder = (shape.v9 ? (shape.data.snapshots as Plain | undefined)?.[key] : (shape.data.packages as Plain | undefined)?.[key]) as Plain | undefined;
  return [...Object.entries((holder?.dependencies as Record<string, string>) ?? {}), ...Object.entries((holder?.optionalDependencies as Record<string, string>) ?? {})];
}

/** v9 keeps resolution in packages under the key without its peer suffix "(react@18.2.0)". */
const packageKey = (key: string) => key.replace(/\(.*$/, '');

function reachable(shape: Shape): Set<string> {
  const seen = new Set<string>();
  const queue: string[] = [];
  const importers = shape.importer.length ? Object.values((shape.data.importers as Plain) ?? {}) : [shape.data];
  for (const importer of importers) {
    for (const field of IMPORTER_FIELDS) {
      for (const [name, e] of Object.entries(((importer as Plain)[field] as Record<string, { version: string }>) ?? {})) {
        const key = keyOf(shape, name, e.version);
        if (key) queue.push(key);
      }
    }
  }
  while (queue.length > 0) {
    const key = queue.shift()!;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const [d, ref] of depsOf(shape, key)) {
      const k = keyOf(shape, d, ref);
      if (k) queue.push(k);
    }
  }
  return seen;
}

function sortMap(doc: Document, path: string[]): void {
  const map = doc.getIn(path, true);
  if (isMap(map)) (map as YAMLMap).items.sort((a, b) => String((a.key as { value?: unknown })?.value ?? a.key).localeCompare(String((b.key as { value?: unknown })?.value ?? b.key), 'en'));
}

export function splicePnpm(
  base: { manifest: string; lockfile: string }, head: { manifest: string; lockfile: string }, versions: Record<string, string>,
  specFor: (name: string, version: string, takesHead: boolean) => string | undefined,
): { text: string; specs: Map<string, string> } {
  const b = shapeOf(base.lockfile, "base's");
  const h = shapeOf(head.lockfile, "head's");
  if (b.v9 !== h.v9) throw new SpliceUnsupported('base and head use different pnpm lockfile versions');
  const before = reachable(b);
  const specs = new Map<string, string>();
  const headImporter = importerOf(h);
  const baseImporter = importerOf(b);
  const sections = b.v9 ? ['packages', 'snapshots'] : ['packages'];

  const copy = (key: string, seen: Set<string>): void => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const section of sections) {
      const k = section === 'packages' && b.v9 ? packageKey(key) : key;
      const node = h.doc.getIn([section, k], true);
      if (node === undefined) continue;
      const mine = b.doc.getIn([section, k], true);
      if (mine !== undefined && JSON.stringify(b.doc.getIn([section, k])) === JSON.stringify(h.doc.getIn([section, k]))) continue;
      b.doc.setIn([section, k], typeof (node as { clone?: () => unknown }).clone === 'function' ? (node as { clone: () => unknown }).clone() : node);
    }
    // Refresh the plain view the walk reads.
    b.data = (b.doc.toJS() ?? {}) as Plain;
    for (const [d, ref] of depsOf(h, key)) {
      const k = keyOf(h, d, ref);
      if (k) copy(k, seen);
    }
  };

  for (const [name, version] of Object.entries(versions)) {
    const field = IMPORTER_FIELDS.find((f) => (headImporter[f] as Plain | undefined)?.[name] !== undefined);
    const theirs = field ? ((headImporter[field] as Plain)[name] as { specifier: string; version: string }) : undefined;
    const baseField = IMPORTER_FIELDS.find((f) => (baseImporter[f] as Plain | undefined)?.[name] !== undefined);
    const mine = baseField ? ((baseImporter[baseField] as Plain)[name] as { specifier: string; version: string }) : undefined;
    const refVersion = (ref: string | undefined) => ref?.replace(/\(.*$/, '');
    const takesHead = !!theirs && (refVersion(theirs.version) === version || theirs.specifier === version) && theirs.version !== mine?.version;
    if (!takesHead && mine && (refVersion(mine.version) === version || mine.specifier === version)) {
      const spec = specFor(name, version, false);
      if (spec !== undefined) specs.set(name, spec);
      continue;
    }
    if (!takesHead || !theirs || !field) {
      throw new SpliceUnsupported(`${name}@${version} is not head's top-level release in pnpm-lock.yaml: pnpm resolves it`);
    }
    const spec = specFor(name, version, true);
    if (spec !== undefined) specs.set(name, spec);
    const at = [...b.importer, baseField ?? field, name];
    b.doc.setIn(at, b.doc.createNode({ specifier: spec ?? theirs.specifier, version: theirs.version }));
    const key = keyOf(h, name, theirs.version);
    if (key) copy(key, new Set());
  }

  b.data = (b.doc.toJS() ?? {}) as Plain;
  const after = reachable(b);
  const gone = [...before].filter((key) => !after.has(key));
  if (b.v9) {
    for (const key of gone) b.doc.deleteIn(['snapshots', key]);
    // A packages entry stays while a snapshot of it (another peer set) is still there.
    const left = new Set(Object.keys(((b.doc.toJS() as Plain).snapshots as Plain) ?? {}).map(packageKey));
    for (const key of gone) if (!left.has(packageKey(key))) b.doc.deleteIn(['packages', packageKey(key)]);
  } else {
    for (const key of gone) b.doc.deleteIn(['packages', key]);
  }
  for (const section of sections) sortMap(b.doc, [section]);
  return { text: b.doc.toString({ lineWidth: 0 }), specs };
}

// A Python candidate takes head's locked lines: a pinned package at the version head's requirements file
// pins keeps head's exact line (version, markers, --hash values), and so do the packages head's file says
// it pulled in for it (pip-compile's "# via" annotations), where head pins them differently from base —
// its dependencies as locked at head. Everything else stays base's, byte for byte.
import { logicalLines, pinOf } from './requirements-files.ts';
import { normaliseName } from './versions.ts';

interface HeadPin {
  version: string;
  /** The physical lines of the requirement (continuations and --hash options included, no comments after). */
  lines: string[];
  /** Who pulled it in, by pip-compile's "# via" comments (normalised names; "-r file" entries left out). */
  via: Set<string>;
}

/** The exact pins of a requirements file with their physical text and "# via" annotations. */
export function pinsWithVia(text: string): Map<string, HeadPin> {
  const physical = text.split('\n');
  const out = new Map<string, HeadPin>();
  let current: HeadPin | null = null;
  let inVia = false;
  for (const line of logicalLines(text)) {
    const raw = physical.slice(line.start, line.end + 1);
    const pin = pinOf(line.text);
    if (pin) {
      current = { version: pin.version, lines: raw, via: new Set() };
      out.set(pin.name, current);
      inVia = false;
      continue;
    }
    if (line.text !== '' || !current) {
      if (line.text !== '') current = null;
      continue;
    }
    // A comment line under the current requirement.
    const comment = raw.join(' ').trim();
    const single = /^#\s+via\s+(.+)$/.exec(comment);
    if (single) {
      if (!single[1].startsWith('-')) current.via.add(normaliseName(single[1].trim()));
      inVia = false;
      continue;
    }
    if (/^#\s+via\s*$/.test(comment)) {
      inVia = true;
      continue;
    }
    const item = /^#\s{2,}(\S+)/.exec(comment);
    if (inVia && item && !item[1].startsWith('-')) current.via.add(normaliseName(item[1]));
  }
  return out;
}

/**
 * base's requirements text with head's lines for `pinned` (name → version; only where head pins that
 * version) and for their dependencies as head locked them. Returns the text and every package whose
 * line came from head, with its version.
 */
export function applyHeadPins(baseText: string, headText: string, pinned: Record<string, string>): { text: string; taken: Map<string, string> } {
  const head = pinsWithVia(headText);
  const base = pinsWithVia(baseText);
  const taken = new Map<string, string>();
  const queue = Object.entries(pinned)
    .map(([name, version]) => [normaliseName(name), version] as const)
    .filter(([name, version]) => head.get(name)?.version === version);
  while (queue.length > 0) {
    const [name] = queue.shift()!;
    if (taken.has(name)) continue;
    taken.set(name, head.get(name)!.version);
    for (const [dep, pin] of head) {
      if (!pin.via.has(name) || taken.has(dep)) continue;
      if (base.get(dep)?.version === pin.version) continue;
      queue.push([dep, pin.version]);
    }
  }
  const physical = baseText.split('\n');
  const added: string[] = [];
  // Replace from the bottom so earlier line numbers stay valid.
  const places = logicalLines(baseText)
    .map((line) => ({ line, pin: pinOf(line.text) }))
    .filter((x) => x.pin && taken.has(x.pin.name))
    .reverse();
  const replaced = new Set<string>();
  for (const { line, pin } of places) {
    physical.splice(line.start, line.end - line.start + 1, ...head.get(pin!.name)!.lines);
    replaced.add(pin!.name);
  }
  for (const name of taken.keys()) if (!replaced.has(name)) added.push(...head.get(name)!.lines);
  let text = physical.join('\n');
  if (added.length > 0) text = `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}${added.join('\n')}\n`;
  return { text, taken };
}

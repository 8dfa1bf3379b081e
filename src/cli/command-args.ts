// How every command declares and reads its flags. A command lists its flags once (a CommandSpec); the
// parser (node:util parseArgs), the usage line printed with a mistake and the `--help` text all come from
// that list, so a flag cannot be accepted yet missing from the help, and every command answers -h/--help.
import { parseArgs } from 'node:util';
import { UsageError } from './io.ts';

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  /** What the value is, in the usage: DIR, REF, FILE. String flags only. */
  readonly value?: string;
  readonly default?: string | boolean;
  /** Shown without brackets, and parsing fails without it. */
  readonly required?: boolean;
  /** Accepted but left out of the usage (old spellings). */
  readonly hidden?: boolean;
  /** One line for --help. */
  readonly help: string;
}

export type Flags = Readonly<Record<string, FlagSpec>>;

export interface CommandSpec<F extends Flags = Flags> {
  /** As typed after `bumpbench`. */
  readonly name: string;
  /** Positional arguments in the usage, e.g. "BEFORE AFTER"; without it, positionals are refused. */
  readonly positionals?: string;
  /** What the command does, a sentence or two, printed under the usage by --help. */
  readonly summary: string;
  readonly flags: F;
  /** More for --help after the flags: environment, exit codes, docs. */
  readonly notes?: string;
}

type ValueOf<S extends FlagSpec> = S['type'] extends 'boolean' ? boolean : string;
/** Flags with a default or marked required are always set; the others may be undefined. */
export type FlagValues<F extends Flags> = {
  -readonly [K in keyof F]: F[K] extends { default: string | boolean } | { required: true } ? ValueOf<F[K]> : ValueOf<F[K]> | undefined;
};

export type ParsedCommand<F extends Flags> =
  | { help: string }
  | { help?: undefined; values: FlagValues<F>; positionals: string[] };

const HELP_FLAGS = new Set(['--help', '-h']);

/** `usage: bumpbench NAME POSITIONALS --required X [--optional X] [--switch]` */
export function usageLine(spec: CommandSpec): string {
  const parts = ['usage: bumpbench', spec.name];
  if (spec.positionals) parts.push(spec.positionals);
  for (const [name, flag] of Object.entries(spec.flags)) {
    if (flag.hidden) continue;
    const text = flag.type === 'string' ? `--${name} ${flag.value ?? 'VALUE'}` : `--${name}`;
    parts.push(flag.required ? text : `[${text}]`);
  }
  return parts.join(' ');
}

/** The usage, the summary, one line per flag (with its default), then the notes. */
export function helpText(spec: CommandSpec): string {
  const rows = Object.entries(spec.flags)
    .filter(([, flag]) => !flag.hidden)
    .map(([name, flag]) => {
      const left = flag.type === 'string' ? `--${name} ${flag.value ?? 'VALUE'}` : `--${name}`;
      const fallback = typeof flag.default === 'string' ? ` (default: ${flag.default})` : '';
      return [left, `${flag.help}${fallback}`] as const;
    });
  rows.push(['-h, --help', 'print this help']);
  const width = Math.max(...rows.map(([left]) => left.length));
  const lines = rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
  return [usageLine(spec), '', spec.summary, '', ...lines, ...(spec.notes ? ['', spec.notes] : [])].join('\n') + '\n';
}

/**
 * Reads args by the spec. `--help` or `-h` anywhere before `--` wins over everything else, so a user can ask
 * for help on a half-written command line. A mistake throws a UsageError: its first line, then the usage.
 */
export function parseCommandArgs<F extends Flags>(spec: CommandSpec<F>, args: string[]): ParsedCommand<F> {
  const end = args.indexOf('--');
  if ((end === -1 ? args : args.slice(0, end)).some((a) => HELP_FLAGS.has(a))) return { help: helpText(spec) };
  const options: Record<string, { type: 'string' | 'boolean'; default?: string | boolean }> = {};
  for (const [name, flag] of Object.entries(spec.flags)) {
    options[name] = flag.default === undefined ? { type: flag.type } : { type: flag.type, default: flag.default };
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: spec.positionals !== undefined });
  } catch (err) {
    // parseArgs appends a paragraph on `--`; the first line says what was wrong.
    throw new UsageError(`${(err as Error).message.split('\n')[0]}\n${usageLine(spec)}`);
  }
  const missing = Object.entries(spec.flags)
    .filter(([name, flag]) => flag.required && (parsed.values[name] === undefined || parsed.values[name] === ''))
    .map(([name]) => `--${name}`);
  if (missing.length > 0) {
    const list = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(', ')} and ${missing.at(-1)}`;
    throw new UsageError(`${list} ${missing.length === 1 ? 'is' : 'are'} required\n${usageLine(spec)}`);
  }
  return { values: parsed.values as FlagValues<F>, positionals: parsed.positionals };
}

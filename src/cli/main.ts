// The CLI's entry: picks the command; each command lives in its own file and returns its exit code.
import { processIo, type CliIo } from './io.ts';

const HELP = `bumpbench: catch performance regressions in dependency upgrades

  bumpbench compare --repo DIR --base REF --head REF   measure base vs head, print the verdict
  bumpbench bisect --repo DIR --base REF --head REF    confirm a regression, name the package and first bad release
  bumpbench soak --repo DIR --base REF --head REF      run both side by side for hours, say whether memory leaks
  bumpbench diff BEFORE AFTER [--json]                  what changed between two lockfiles
  bumpbench calibrate --repo DIR [--ref REF]            measure this machine's noise (A/A pairs)
  bumpbench demo                                        run the whole story on the bundled example
  bumpbench dashboard [--db FILE] [--port N]            browse results, history and running jobs (local)
  bumpbench export --repo R --format csv|json           one repository's history as a file
  bumpbench serve                                       run the GitHub App (Probot) with its worker
  bumpbench worker                                      run a worker only

bumpbench COMMAND --help (or -h) prints the flags of a command.
Exit codes: 0 ran, 2 bad input (the message says how to fix it), 1 failure.
Docs: docs/configuration.md, docs/architecture.md, docs/soak.md, docs/dashboard.md`;

type Command = (args: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  compare: async () => (await import('./compare.ts')).runCompareCommand,
  bisect: async () => (await import('./bisect.ts')).runBisectCommand,
  soak: async () => (await import('./soak.ts')).runSoakCommand,
  diff: async () => (await import('./diff.ts')).runDiff,
  calibrate: async () => (await import('./calibrate.ts')).runCalibrateCommand,
  demo: async () => (await import('../demo/run-demo.ts')).runDemo,
  dashboard: async () => (await import('./dashboard.ts')).runDashboardCommand,
  export: async () => (await import('./export.ts')).runExportCommand,
  serve: async () => (await import('./serve.ts')).runServe as Command,
  worker: async () => (await import('./worker.ts')).runWorker as Command,
};

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(HELP);
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.stderr(`bumpbench: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  return (await load())(rest, io);
}

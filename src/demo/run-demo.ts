// `bumpbench demo` (npm run demo): the whole story on the bundled example, on a fresh machine.
// A local npm registry serves the example libraries; a throwaway repo gets a Dependabot-style
// "Bump textkit" commit; compare measures it, bisect names the release that made it slower, and the
// report is printed.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runJob } from '../pipeline/run-job.ts';
import { renderMarkdown } from '../report/markdown.ts';
import { parseCommandArgs, type CommandSpec } from '../cli/command-args.ts';
import { interruptSignal, progressPrinter, reportError, type CliIo } from '../cli/io.ts';
import { publishExamplePackages, startLocalNpmRegistry } from './npm-registry.ts';
import { createNodeDemoRepo } from './node-demo-repo.ts';

export const DEMO_SPEC = {
  name: 'demo',
  summary:
    'Starts a local npm registry with the example libraries, builds a throwaway repo whose head commit bumps\n' +
    '@bumpbench-examples/textkit from 1.2.0 to 1.9.0, compares base and head, and on a regression bisects the\n' +
    'bump to the first bad release. Needs Node, npm, git and taskset (util-linux); about 4-5 minutes on 2 cores.',
  flags: {
    keep: { type: 'boolean', default: false, help: 'keep the registry, the demo repo and the results in the temp dir' },
    json: { type: 'string', value: 'FILE', help: 'also write the result JSON here' },
  },
} as const satisfies CommandSpec;

export async function runDemo(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandArgs(DEMO_SPEC, args);
  } catch (err) {
    return reportError(err, io);
  }
  if (parsed.help !== undefined) {
    io.stdout(parsed.help);
    return 0;
  }
  const { values } = parsed;
  const interrupt = interruptSignal(io);
  const work = await mkdtemp(path.join(os.tmpdir(), 'bumpbench-demo-'));
  const progress = progressPrinter(io);
  let registry: Awaited<ReturnType<typeof startLocalNpmRegistry>> | undefined;
  try {
    progress({ phase: 'prepare', message: 'starting a local npm registry (verdaccio) with the example libraries' });
    registry = await startLocalNpmRegistry({ storageDir: path.join(work, 'registry') });
    await publishExamplePackages(registry.url);
    const demo = await createNodeDemoRepo({ registryUrl: registry.url, dir: path.join(work, 'repo') });
    progress({ phase: 'prepare', message: `demo repo at ${demo.dir}: ${demo.baseRef} → ${demo.headRef} (Bump @bumpbench-examples/textkit)` });
    const request = { repo: demo.dir, base: { ref: demo.baseRef }, head: { ref: demo.headRef } };
    // The sandboxed installs may reach the local registry (besides the public ones).
    const jobOptions = { dataDir: path.join(work, 'data'), onProgress: progress, signal: interrupt.signal, allowHosts: [new URL(registry.url).host] };
    const compared = await runJob({ kind: 'compare', ...request }, jobOptions);
    progress({ phase: 'analyse', message: `compare verdict: ${compared.verdict}` });
    // On a regression, go on to find the release that caused it, reusing the compare as the confirmation.
    const result =
      compared.verdict === 'regression'
        ? await runJob({ kind: 'bisect', ...request }, { ...jobOptions, confirmedBy: compared })
        : compared;
    if (values.json) await writeFile(values.json, JSON.stringify(result, null, 2) + '\n');
    io.stdout(renderMarkdown(result));
    return 0;
  } catch (err) {
    return reportError(err, io);
  } finally {
    interrupt.dispose();
    await registry?.stop();
    if (!values.keep) await rm(work, { recursive: true, force: true });
  }
}

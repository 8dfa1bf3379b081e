// `bumpbench demo` (npm run demo): the whole story on the bundled example, on a fresh machine.
// A local npm registry serves the example libraries; a throwaway repo gets a Dependabot-style
// "Bump textkit" commit; compare measures it, bisect names the release that made it slower, and the
// report is printed.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runJob } from '../pipeline/run-job.ts';
import { renderMarkdown } from '../report/markdown.ts';
import { interruptSignal, progressPrinter, reportError, type CliIo } from '../cli/io.ts';
import { publishExamplePackages, startLocalNpmRegistry } from './npm-registry.ts';
import { createNodeDemoRepo } from './node-demo-repo.ts';

export async function runDemo(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { keep: { type: 'boolean', default: false }, json: { type: 'string' } } });
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
    const jobOptions = { dataDir: path.join(work, 'data'), onProgress: progress, signal: interrupt.signal };
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

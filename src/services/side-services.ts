// The services of one side of a job (base, head, a bisect candidate): each with its own port and data
// dir under the job dir, started in the side's sandbox. Once per side, after install and build, they are
// initialised, started and handed to the setup commands (migrate, seed); then stopped cleanly and their
// data dirs copied to a template. Every sample starts them afresh from that template, so every sample —
// of either side — begins from the same state whatever the previous one wrote. Stopped and removed with
// the side.
import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { releasePort, reservePort } from '../bench/ports.ts';
import type { TreeUsage } from '../bench/proc-tree.ts';
import { expandEnv } from '../config/interpolate.ts';
import type { ServiceConfig } from '../config/schema.ts';
import { defaultExports, SERVICE_HOST, serviceVariables } from '../config/service-vars.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';
import { serviceRecipe, type ServiceRecipe } from './kinds.ts';
import { startServiceProcess, ServiceStartError, type ReadyCheck, type ServiceProcess } from './service-process.ts';

const run = promisify(execFile);

/** A command of a service's own (initdb, CREATE DATABASE) failed: with its output. */
export class ServiceSetupError extends ServiceStartError {}

export interface SideServicesOptions {
  /** Names the side in messages: "base", "head", "candidate". */
  label: string;
  services: Readonly<Record<string, ServiceConfig>>;
  /** Where the side's service data lives (removed by dispose()). */
  dir: string;
  sandbox: Sandbox;
  /** Read-only paths a `start`-command service may use (the side's project and install cache). */
  projectPaths?: readonly string[];
  /** The project dir: where a `start`-command service, a ready command and reset commands run. */
  projectDir?: string;
  /** CPU list of the servers: services share the server's CPUs, not the load generator's. */
  cpus?: string;
  /** Deadline of init and create-database commands. */
  commandDeadlineMs?: number;
}

interface Entry {
  name: string;
  config: ServiceConfig;
  port: number;
  /** The service's own dir: data/ and template/ in it, the only thing its sandbox may write. */
  home: string;
  dataDir: string;
  templateDir: string;
  recipe: ServiceRecipe;
  process: ServiceProcess | null;
}

export type ServicesUsage = Record<string, Pick<TreeUsage, 'cpuSeconds' | 'peakRssBytes'>>;

export class SideServices {
  private initialised = false;
  private templated = false;

  private constructor(
    private readonly opts: SideServicesOptions,
    private readonly entries: Entry[],
    /** `services.db.port` → "54321", … */
    readonly variables: Record<string, string>,
    /** What the services put into the app's environment (DATABASE_URL, REDIS_URL, …). */
    readonly exports: Record<string, string>,
  ) {}

  /**
   * Ports, data dirs and recipes of every service (nothing runs yet). Throws MissingServiceBinaryError
   * before any install when a server is not installed.
   */
  static async create(opts: SideServicesOptions): Promise<SideServices> {
    const entries: Entry[] = [];
    try {
      for (const [name, config] of Object.entries(opts.services)) {
        const home = path.join(opts.dir, name);
        const dataDir = path.join(home, 'data');
        const port = await reservePort();
        let recipe: ServiceRecipe;
        try {
          recipe = serviceRecipe(config, { name, port, dataDir });
        } catch (err) {
          releasePort(port);
          throw err;
        }
        entries.push({ name, config, port, home, dataDir, templateDir: path.join(home, 'template'), recipe, process: null });
      }
    } catch (err) {
      for (const e of entries) releasePort(e.port);
      throw err;
    }
    const variables = serviceVariables(Object.fromEntries(entries.map((e) => [e.name, { identity: e.config, port: e.port }])));
    const exports: Record<string, string> = {};
    for (const e of entries) {
      const templates = e.config.env ?? defaultExports(e.name, e.config.kind);
      Object.assign(exports, expandEnv(templates, { ...variables, HOST: SERVICE_HOST }));
    }
    return new SideServices(opts, entries, variables, exports);
  }

  get empty(): boolean {
    return this.entries.length === 0;
  }

  /** Commands to run (in the side's project, against the running services) before each sample. */
  get resetCommands(): string[] {
    return this.entries.flatMap((e) => (typeof e.config.reset === 'object' ? [e.config.reset.command] : []));
  }

  /**
   * Once per side: data dirs made and initialised, services started (databases created), `setup` run
   * against them, then a clean stop and the template copied. A failure stops what runs before it throws.
   */
  async prepare(setup: () => Promise<void>, onStep?: (message: string) => void): Promise<void> {
    try {
      await this.initialise();
      await this.startAll(true);
      if (!this.empty) onStep?.(`${this.opts.label}: services ${this.entries.map((e) => e.recipe.title).join(', ')} up on ports ${this.entries.map((e) => e.port).join(', ')}`);
      for (const e of this.entries) for (const command of e.recipe.afterFirstStart) await this.serviceCommand(e, command, 'creating its database');
      await setup();
      await this.stopAll();
      for (const e of this.entries) {
        await rm(e.templateDir, { recursive: true, force: true });
        // cp -a keeps owner and modes (postgres refuses a data dir another uid owns, or that others may read).
        await run('cp', ['-a', '--reflink=auto', e.dataDir, e.templateDir]);
      }
      this.templated = true;
    } catch (err) {
      await this.stopAll(2_000);
      throw err;
    }
  }

  /** Every service started for one sample, each from its template unless its reset says otherwise. */
  async startForSample(): Promise<void> {
    if (!this.initialised) await this.initialise();
    for (const e of this.entries) {
      if (this.templated && e.config.reset === 'template') {
        await rm(e.dataDir, { recursive: true, force: true });
        await run('cp', ['-a', '--reflink=auto', e.templateDir, e.dataDir]);
      }
    }
    await this.startAll(false);
  }

  /** Samples the process tree of every running service until the returned stop(). */
  monitor(): { stop(): ServicesUsage } {
    const monitors = this.entries.filter((e) => e.process && !e.process.exited).map((e) => [e.name, e.process!.monitor()] as const);
    return {
      stop: () => Object.fromEntries(monitors.map(([name, m]) => {
        const usage = m.stop();
        return [name, { cpuSeconds: usage.cpuSeconds, peakRssBytes: usage.peakRssBytes }];
      })),
    };
  }

  /** A service that died mid-sample, with its last output; null while all run. */
  crashed(): string | null {
    const dead = this.entries.find((e) => e.process?.exited);
    return dead ? `service ${dead.recipe.title} exited:\n${dead.process!.outputTail()}` : null;
  }

  /** Stops every running service cleanly (in reverse order: an app's cache before its database). */
  async stopAll(graceMs?: number): Promise<void> {
    for (const e of [...this.entries].reverse()) {
      const p = e.process;
      e.process = null;
      await p?.stop(graceMs);
    }
  }

  /** Stops everything and removes the data and templates: the end of the side. */
  async dispose(): Promise<void> {
    await this.stopAll(5_000);
    for (const e of this.entries) releasePort(e.port);
    await rm(this.opts.dir, { recursive: true, force: true });
  }

  private async initialise(): Promise<void> {
    if (this.initialised) return;
    for (const e of this.entries) {
      await rm(e.home, { recursive: true, force: true });
      await mkdir(e.dataDir, { recursive: true });
    }
    if (this.entries.length > 0) {
      await mkdir(this.opts.dir, { recursive: true });
      await this.opts.sandbox.handOver(this.opts.dir);
    }
    for (const e of this.entries) for (const command of e.recipe.init) await this.serviceCommand(e, command, 'initialising its data dir');
    this.initialised = true;
  }

  private baseEnv(e: Entry): Record<string, string> {
    return { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', ...e.recipe.env };
  }

  /** One of a service's own commands (initdb, createdb) in its sandbox; a failure says which and why. */
  private async serviceCommand(e: Entry, command: string, what: string): Promise<void> {
    const result = await this.opts.sandbox.run({
      command, cwd: e.home, env: this.baseEnv(e), phase: 'serve', writable: [e.home], deadlineMs: this.opts.commandDeadlineMs ?? 120_000,
    });
    if (result.code !== 0) {
      const how = result.timedOut ? 'did not finish in time' : `exited with ${result.code}`;
      throw new ServiceSetupError(
        `${this.opts.label} ${e.recipe.title}: ${what} failed (\`${path.basename(command.split(' ')[0])}\` ${how})`,
        result.output.trimEnd().split('\n').slice(-20).join('\n'),
        e.name,
      );
    }
  }

  private readyCheck(e: Entry): ReadyCheck {
    const ready = e.config.ready;
    const sandbox = this.opts.sandbox;
    if (ready?.log) return { log: new RegExp(ready.log) };
    if (ready?.http) {
      const url = `http://${SERVICE_HOST}:${e.port}${ready.http}`;
      return { what: `GET ${ready.http}`, poll: async () => {
        const status = await sandbox.probe(url, 1_000);
        return status !== null && status >= 200 && status < 300;
      } };
    }
    if (ready?.command) {
      const command = ready.command;
      return { what: `\`${command}\``, poll: async () => {
        const result = await sandbox.run({
          command, cwd: this.opts.projectDir ?? e.home, env: this.baseEnv(e), phase: 'serve', writable: [], readOnly: this.opts.projectPaths, deadlineMs: 10_000,
        });
        return result.code === 0;
      } };
    }
    if (e.recipe.readyLog) return { log: e.recipe.readyLog };
    return { what: `a connection to port ${e.port}`, poll: () => sandbox.connects(e.port, 1_000) };
  }

  private async startAll(firstRun: boolean): Promise<void> {
    for (const e of this.entries) {
      if (e.process) continue;
      try {
        e.process = await startServiceProcess({
          label: `${this.opts.label} ${e.recipe.title}`,
          command: e.recipe.start(firstRun),
          // A `start` command runs in the project (a mock server from the repo); a known kind in its own dir.
          cwd: e.config.kind ? e.home : (this.opts.projectDir ?? e.home),
          env: this.baseEnv(e),
          sandbox: this.opts.sandbox,
          writable: [e.home],
          readOnly: e.config.kind ? [] : this.opts.projectPaths,
          cpus: this.opts.cpus,
          ready: this.readyCheck(e),
          readyTimeoutMs: e.config.ready?.timeout ?? 30_000,
          stopSignal: e.recipe.stopSignal,
          mainNames: e.recipe.mainNames,
        });
      } catch (err) {
        await this.stopAll(2_000);
        throw err instanceof ServiceStartError && err.service === undefined ? new ServiceStartError(err.message, err.output, e.name) : err;
      }
    }
  }
}

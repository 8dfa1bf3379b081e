// The dashboard as a person uses it: a store filled by real compares of a real repo, `bumpbench dashboard`
// as a child process, and Debian's Chromium (headless, driven by playwright-core) clicking through it.
// Checks what a user would: one point per job in the history, in its verdict's colour; a click on a point
// opens that job; the package filter; the job page under 300 KB; a running compare and a running soak
// updating without a reload. Screenshots of every page go to $BUMPBENCH_ARTIFACTS (or a temp dir).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResult } from '../../src/model.ts';
import { ResultsStore } from '../../src/store/results-store.ts';
import { git, tempDir } from '../helpers/git-repo.ts';
import { serverPidsUnder } from '../helpers/processes.ts';
import { createShopRepo, measureHistory, soakConfig, type ShopRepo } from './fixture.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/bumpbench.js');
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = process.env.BUMPBENCH_ARTIFACTS || path.join(os.tmpdir(), 'bumpbench-dashboard-artifacts');
const VERDICT_RGB: Record<string, [number, number, number]> = {
  regression: [0xb3, 0x26, 0x1e],
  improvement: [0x1e, 0x7b, 0x34],
  unchanged: [0x5f, 0x63, 0x68],
  inconclusive: [0x8a, 0x5a, 0x00],
};

let repo: ShopRepo;
let dataDir: string;
let dbFile: string;
let history: JobResult[];
let dashboard: ChildProcess;
let baseUrl: string;
let context: BrowserContext;
let page: Page;
const children: ChildProcess[] = [];
const pageErrors: string[] = [];

async function until<T>(check: () => T | Promise<T>, what: string, ms: number): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function storedJobIds(): number[] {
  const store = new ResultsStore(dbFile);
  try {
    return store.listResultRows().filter((r) => r.kind === 'compare').map((r) => r.id);
  } finally {
    store.close();
  }
}

/** Starts a CLI job against the same store; resolves with its run id once the engine has opened it. */
async function startCliJob(args: string[]): Promise<{ child: ChildProcess; runId: number; output: () => string }> {
  const store = new ResultsStore(dbFile);
  const before = Math.max(0, ...store.listActiveRuns().map((r) => r.id), (store.db.prepare('SELECT MAX(id) AS id FROM runs').get() as { id: number | null }).id ?? 0);
  const child = spawn(process.execPath, [BIN, ...args, '--repo', repo.dir, '--db', dbFile, '--data-dir', dataDir, '--json', path.join(dataDir, `cli-${Date.now()}.json`)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  try {
    const runId = await until(() => {
      if (child.exitCode !== null) throw new Error(`bumpbench ${args[0]} exited early (${child.exitCode}):\n${out}`);
      return store.listActiveRuns().find((r) => r.id > before)?.id;
    }, `the ${args[0]} run to appear in the store`, 60_000);
    return { child, runId, output: () => out };
  } finally {
    store.close();
  }
}

const exited = (child: ChildProcess) => (child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise<number | null>((r) => child.once('exit', (code) => r(code))));

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** What the page's history charts hold, as the page itself drew them. */
function chartsOnPage() {
  return page.evaluate(() => {
    const charts = (window as unknown as { bumpbench: { charts: Record<string, any> } }).bumpbench.charts;
    return Object.values(charts)
      .filter((c) => c.spec.type === 'history')
      .map((c) => {
        const spec = c.spec;
        const points: { i: number; verdict: string; link: string; x: number; y: number; rgb: number[] }[] = [];
        const ctx = c.plot.ctx as CanvasRenderingContext2D;
        spec.x.forEach((_: number, i: number) => {
          spec.series.forEach((s: { label: string; values: (number | null)[] }) => {
            const v = s.values[i];
            if (v === null) return;
            // The pixel at the point's centre, read back from the canvas the library drew.
            const px = Math.round(c.plot.valToPos(spec.x[i], 'x', true));
            const py = Math.round(c.plot.valToPos(v, 'y', true));
            const rgb = Array.from(ctx.getImageData(px, py, 1, 1).data).slice(0, 3);
            const pos = c.pointPosition(i);
            points.push({ i, verdict: s.label, link: spec.links[i], x: pos.x, y: pos.y, rgb });
          });
        });
        return { id: spec.id as string, title: spec.title as string, points };
      });
  });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (the system-deps script must list it)`);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  repo = createShopRepo();
  dataDir = tempDir('bumpbench-dashboard-data-');
  dbFile = path.join(dataDir, 'bumpbench.db');
  history = await measureHistory(repo, dataDir);

  dashboard = spawn(process.execPath, [BIN, 'dashboard', '--db', dbFile, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  dashboard.stdout!.on('data', (d) => (out += d));
  dashboard.stderr!.on('data', (d) => (out += d));
  baseUrl = await until(() => {
    if (dashboard.exitCode !== null) throw new Error(`bumpbench dashboard exited: ${out}`);
    return /(http:\/\/127\.0\.0\.1:\d+)\/dashboard\//.exec(out)?.[1];
  }, 'bumpbench dashboard to print its URL', 30_000);

  context = await chromium.launchPersistentContext(mkdtempSync(path.join(os.tmpdir(), 'bumpbench-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1200, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
}, 400_000);

afterAll(async () => {
  await context?.close();
  for (const child of [...children, dashboard]) {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited(child);
    }
  }
  if (repo) {
    expect(serverPidsUnder(dataDir)).toEqual([]);
    expect(git(repo.dir, 'worktree', 'list').split('\n')).toHaveLength(1);
  }
  console.log(`dashboard screenshots: ${ARTIFACTS}`);
  expect(pageErrors).toEqual([]);
});

describe('bumpbench dashboard in a browser', () => {
  it('binds 127.0.0.1 by default and lists the repository with its latest verdict', async () => {
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:/);
    await page.goto(`${baseUrl}/dashboard/`);
    const row = page.locator('table.repos tbody tr', { hasText: repo.dir });
    await expect(row.count()).resolves.toBe(1);
    const latest = history.at(-1)!;
    await expect(row.locator('.verdict').first().textContent()).resolves.toContain(latest.verdict);
    await expect(row.textContent()).resolves.toContain(`${history.length}`);
    await shot('1-repositories');
  });

  it('draws each scenario × gated metric with one point per job, in its verdict colour', async () => {
    await page.goto(`${baseUrl}/dashboard/`);
    await page.getByRole('link', { name: repo.dir }).click();
    await page.waitForURL(/\/dashboard\/repo\?name=/);
    await page.waitForFunction(() => Object.keys((window as any).bumpbench?.charts ?? {}).length > 0);
    const ids = storedJobIds();
    expect(ids).toHaveLength(3);
    const charts = await chartsOnPage();
    // Every gated metric of the scenario: throughput, latency p50 and p99, CPU per request.
    expect(charts.map((c) => c.title.split(',')[0])).toEqual(['work: throughput', 'work: latency p50', 'work: latency p99', 'work: cpu per request']);
    const metricOf: Record<string, string> = { 'work: throughput': 'throughput', 'work: latency p50': 'latency_p50', 'work: latency p99': 'latency_p99', 'work: cpu per request': 'cpu_per_request' };
    for (const chart of charts) {
      expect(chart.points.map((p) => p.link)).toEqual(ids.map((id) => `/dashboard/jobs/${id}`));
      const metric = metricOf[chart.title.split(',')[0]] as 'throughput';
      chart.points.forEach((p, k) => {
        // The point's colour is its metric's verdict in that job, as measured.
        expect(p.verdict).toBe(history[k].scenarios[0].metrics[metric]!.verdict);
        const want = VERDICT_RGB[p.verdict];
        expect(p.rgb.every((v, c) => Math.abs(v - want[c]) < 40), `${chart.id} point ${k}: drew ${p.rgb} for ${p.verdict}`).toBe(true);
      });
    }
    // The text alternative lists the same jobs.
    const tableLinks = await page.locator('#history-1 .chart-table tbody a').allTextContents();
    expect(tableLinks).toEqual(ids.map((id) => `#${id}`));
    await shot('2-repository-history');

    // "Every job that bumped express": jobs 1 and 3, not the lodash one.
    await page.selectOption('#package', 'express');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/package=express/);
    await page.waitForFunction(() => Object.keys((window as any).bumpbench?.charts ?? {}).length > 0);
    const filtered = await chartsOnPage();
    for (const chart of filtered) expect(chart.points.map((p) => p.link)).toEqual([ids[0], ids[2]].map((id) => `/dashboard/jobs/${id}`));
    await expect(page.locator('table.jobs tbody tr').count()).resolves.toBe(2);
    await shot('3-repository-filtered-express');
  });

  it('opens the job a point stands for, by mouse and by keyboard', async () => {
    const ids = storedJobIds();
    await page.goto(`${baseUrl}/dashboard/repo?name=${encodeURIComponent(repo.dir)}`);
    await page.waitForFunction(() => Object.keys((window as any).bumpbench?.charts ?? {}).length > 0);
    const { id } = (await chartsOnPage()).find((c) => c.title.startsWith('work: cpu per request'))!;
    await page.locator(`[data-chart="${id}"]`).scrollIntoViewIfNeeded();
    const target = (await chartsOnPage()).find((c) => c.id === id)!.points[1];
    await page.mouse.click(target.x, target.y);
    await page.waitForURL(new RegExp(`/dashboard/jobs/${ids[1]}$`));
    await expect(page.locator('h1').textContent()).resolves.toContain(`compare #${ids[1]}`);
    // The job page: the report's summary, the changed package, and every measured run as evidence.
    await expect(page.locator('.report').textContent()).resolves.toContain('lodash');
    const runs = history[1].scenarios[0].pairs * 2;
    await expect(page.locator('#evidence-h ~ figure .chart-table tbody tr').count()).resolves.toBe(runs);
    await shot('4-job-unchanged-lodash');

    await page.goto(`${baseUrl}/dashboard/repo?name=${encodeURIComponent(repo.dir)}`);
    await page.waitForFunction(() => Object.keys((window as any).bumpbench?.charts ?? {}).length > 0);
    await page.focus('[data-chart="history-1"]');
    await page.keyboard.press('Home');
    await expect(page.locator('#history-1-readout').textContent()).resolves.toContain(`job #${ids[0]}`);
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/dashboard/jobs/${ids[0]}$`));
    await expect(page.locator('h1 .verdict').textContent()).resolves.toContain(history[0].verdict);
    await shot('5-job-regression-express');
  });

  it('a job page transfers under 300 KB (cold cache, everything it loads)', async () => {
    const ids = storedJobIds();
    const fresh = await context.newPage();
    const cdp = await context.newCDPSession(fresh);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    let bytes = 0;
    const urls: string[] = [];
    cdp.on('Network.loadingFinished', (e) => (bytes += e.encodedDataLength));
    cdp.on('Network.responseReceived', (e) => urls.push(e.response.url));
    await fresh.goto(`${baseUrl}/dashboard/jobs/${ids[0]}`, { waitUntil: 'networkidle' });
    await fresh.waitForFunction(() => Object.keys((window as any).bumpbench?.charts ?? {}).length > 0);
    await fresh.close();
    console.log(`job page: ${bytes} bytes transferred in ${urls.length} responses`);
    // The page, the charting library, our script and styles: all from this server, nothing from elsewhere.
    expect(urls.every((u) => u.startsWith(baseUrl))).toBe(true);
    expect(urls.some((u) => /\/assets\/uplot\.[0-9a-f]+\.js$/.test(u))).toBe(true);
    expect(bytes).toBeGreaterThan(10_000);
    expect(bytes).toBeLessThan(300 * 1024);
  });

  it("shows a running compare's progress as it happens, without a reload", async () => {
    const job = await startCliJob(['compare', '--base', 'main', '--head', 'bump-express']);
    await page.goto(`${baseUrl}/dashboard/runs/${job.runId}`);
    await page.evaluate(() => ((window as any).__sameDocument = true));
    await expect(page.locator('#run-state').textContent()).resolves.toContain('running');
    const before = { lines: await page.locator('#run-log li').count(), status: await page.locator('#run-status').textContent() };
    await shot('6-run-started');
    // Pairs are measured one after another; each lands on the page through the live event stream.
    await page.waitForFunction(
      (b) =>
        document.querySelectorAll('#run-log li').length > b.lines + 1 &&
        document.getElementById('run-status')!.textContent !== b.status &&
        /pair \d+ of \d+ done/.test(document.getElementById('run-log')!.textContent ?? ''),
      before,
      { timeout: 90_000 },
    );
    // The progress bar moved with the pairs.
    expect(await page.evaluate(() => (document.getElementById('run-progress') as HTMLProgressElement).value)).toBeGreaterThan(0);
    await shot('7-run-progressing');
    // The result is linked as soon as it is stored; the run is done a moment later.
    await page.waitForFunction(() => /done/.test(document.getElementById('run-state')!.textContent ?? ''), undefined, { timeout: 120_000 });
    await page.locator('#run-result a').waitFor({ state: 'visible' });
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
    await expect(exited(job.child)).resolves.toBe(0);
    await shot('8-run-done');
    await page.locator('#run-result a').click();
    await page.waitForURL(/\/dashboard\/jobs\/\d+$/);
    // The new job joins the history: one more point.
    const ids = storedJobIds();
    expect(ids).toHaveLength(4);
    expect(page.url()).toMatch(new RegExp(`/jobs/${ids[3]}$`));
  });

  it("draws a running soak's memory as it grows, and both sides over time on its result", async () => {
    const config = path.join(dataDir, 'soak.yml');
    writeFileSync(config, soakConfig('20s'));
    const job = await startCliJob(['soak', '--base', 'main', '--head', 'leaky-cache', '--config', config]);
    await page.goto(`${baseUrl}/dashboard/runs/${job.runId}`);
    await page.evaluate(() => ((window as any).__sameDocument = true));
    const readings = () => page.evaluate(() => (window as any).bumpbench.charts['soak-live'].data[0].length as number);
    const first = await readings();
    await page.waitForFunction((n) => (window as any).bumpbench.charts['soak-live'].data[0].length >= n + 2, first, { timeout: 60_000 });
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
    await shot('9-soak-running');
    await page.waitForFunction(() => /done/.test(document.getElementById('run-state')!.textContent ?? ''), undefined, { timeout: 90_000 });
    await page.locator('#run-result a').waitFor({ state: 'visible' });
    await expect(exited(job.child)).resolves.toBe(0);
    await page.locator('#run-result a').click();
    await page.waitForURL(/\/dashboard\/jobs\/\d+$/);
    const memory = await page.evaluate(() => {
      const c = Object.values((window as any).bumpbench.charts as Record<string, any>).find((x) => x.spec.title.startsWith('Memory of each server'));
      return c ? { labels: c.spec.series.map((s: any) => s.label), readings: c.spec.x.length } : null;
    });
    expect(memory?.labels).toEqual(['base', 'head']);
    expect(memory!.readings).toBeGreaterThan(10);
    await shot('10-soak-result');
  });
});

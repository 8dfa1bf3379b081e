// Outbound calls per request, head against base, from synthetic observe runs.
import { describe, expect, it } from 'vitest';
import { PackageNames, outboundHints } from '../../src/hints/index.ts';
import type { Change } from '../../src/model.ts';
import { call, perResponse, processWith, scenario, T0 } from './synthetic.ts';

const changes: Change[] = [{ ecosystem: 'pypi', name: 'CloudSig', from: '1.2.0', to: '1.9.0' }];
const opts = () => ({ names: new PackageNames(changes), ephemeralPorts: [32768, 60999] as [number, number] });

describe('outboundHints', () => {
  const upload = scenario('upload', 22, 40);
  const report = scenario('report', 22, 60, T0 + 100);
  const storage = (s = upload) => call({ kind: 'http', method: 'PUT', path: '/uploads/report-{n}.json', port: 41000, site: 'server.py:48' }, perResponse(s, 1));
  const storageConnect = call({ kind: 'tcp', port: 41000, site: 'server.py:48' }, perResponse(upload, 0.02));

  it('names a new call per request, by the lockfile name of the package that made it, with its connects', () => {
    const base = { scenarios: [upload, report], processes: [processWith([storage(), storageConnect], 'python')] };
    const metadata = call({ kind: 'http', method: 'GET', path: '/latest/meta-data/placement/region', port: 39001, package: 'cloudsig', site: 'cloudsig/region.py:13' }, perResponse(upload, 1));
    const connect = call({ kind: 'tcp', port: 39001, package: 'cloudsig', site: 'cloudsig/region.py:13' }, perResponse(upload, 1));
    const head = {
      scenarios: [scenario('upload', 22, 25), report],
      processes: [processWith([storage(scenario('upload', 22, 25)), storageConnect, { ...metadata, buckets: perResponse(scenario('upload', 22, 25), 1) }, { ...connect, buckets: perResponse(scenario('upload', 22, 25), 1) }], 'python', { packages: { cloudsig: ['CloudSig'] } })],
    };
    const names = new PackageNames(changes);
    names.addDistributions({ cloudsig: ['CloudSig'] });
    const hints = outboundHints(base, head, { ...opts(), names });
    expect(hints).toHaveLength(1);
    const [h] = hints;
    expect(h).toMatchObject({ kind: 'outbound', package: 'CloudSig', changed: true, ecosystem: 'pypi', scenario: 'upload', base: 0, head: 1, perRequest: 1, site: 'cloudsig/region.py:13' });
    expect(h.confidence).toBeGreaterThan(0.999);
    // The stub's port was the kernel's pick: shown as *, so base and head runs compare.
    expect(h.detail).toContain('`GET 127.0.0.1:*/latest/meta-data/placement/region`');
    expect(h.detail).toMatch(/\+1\.00 TCP connects to `127\.0\.0\.1:\*`/);
    expect(h.detail).toMatch(/none on base/);
  });

  it('A/A: the same calls on both sides give no hint', () => {
    const side = { scenarios: [upload, report], processes: [processWith([storage(), storageConnect])] };
    expect(outboundHints(side, side, opts())).toEqual([]);
  });

  it('a change too small to matter (0.02 more calls per request) gives no hint however certain', () => {
    const base = { scenarios: [upload], processes: [processWith([storage()])] };
    const head = { scenarios: [upload], processes: [processWith([call({ kind: 'http', method: 'PUT', path: '/uploads/report-{n}.json', port: 41000 }, perResponse(upload, 1.02))])] };
    expect(outboundHints(base, head, opts())).toEqual([]);
  });

  it('calls twice as often: the rates, the difference, and a call that stopped', () => {
    const base = { scenarios: [upload], processes: [processWith([storage(), call({ kind: 'dns', host: 'telemetry.example.com', port: null, package: 'left-pad' }, perResponse(upload, 0.5))])] };
    const head = { scenarios: [upload], processes: [processWith([call({ kind: 'http', method: 'PUT', path: '/uploads/report-{n}.json', port: 41000 }, perResponse(upload, 2))])] };
    const hints = outboundHints(base, head, opts());
    const twice = hints.find((h) => h.package === null)!;
    expect(twice).toMatchObject({ base: 1, head: 2, perRequest: 1 });
    expect(twice.detail).toMatch(/2\.00 times per request instead of 1\.00 \(\+1\.00\)/);
    const gone = hints.find((h) => h.package === 'left-pad')!;
    expect(gone.perRequest).toBeCloseTo(-0.5, 5);
    expect(gone.detail).toMatch(/no longer makes DNS lookups of `telemetry\.example\.com`/);
  });

  it('counts only inside the scenario\'s full buckets: calls at start-up are not per request', () => {
    const base = { scenarios: [upload], processes: [processWith([storage()])] };
    const startup = call({ kind: 'http', method: 'GET', path: '/config', port: 8500 }, [[T0 - 50, 3]]);
    const head = { scenarios: [upload], processes: [processWith([storage(), startup])] };
    expect(outboundHints(base, head, opts())).toEqual([]);
  });

  it('quotes what the app chose (hosts, paths) as code, so it cannot inject markdown', () => {
    const base = { scenarios: [upload], processes: [processWith([])] };
    const evil = call({ kind: 'http', method: 'GET', host: 'x.example', port: 80, path: '/a`](http://evil)<img src=x>' }, perResponse(upload, 1));
    const [h] = outboundHints(base, { scenarios: [upload], processes: [processWith([evil])] }, opts());
    expect(h.detail).toContain("`GET x.example:80/a ](http://evil)<img src=x>`");
  });
});

// The metrics a compare reports, how each is read from a run, its unit, and which way is good.
import type { Direction, MetricName, RunSample } from '../model.ts';

export interface MetricSpec {
  name: MetricName;
  label: string;
  unit: string;
  direction: Direction;
  read: (s: RunSample) => number;
}

const MiB = 1024 * 1024;

export const METRICS: readonly MetricSpec[] = [
  { name: 'throughput', label: 'Throughput', unit: 'req/s', direction: 'higher-is-better', read: (s) => s.throughput },
  { name: 'latency_p50', label: 'Latency p50', unit: 'ms', direction: 'lower-is-better', read: (s) => s.latencyUs.p50 / 1000 },
  { name: 'latency_p90', label: 'Latency p90', unit: 'ms', direction: 'lower-is-better', read: (s) => s.latencyUs.p90 / 1000 },
  { name: 'latency_p99', label: 'Latency p99', unit: 'ms', direction: 'lower-is-better', read: (s) => s.latencyUs.p99 / 1000 },
  { name: 'cpu_per_request', label: 'CPU per request', unit: 'µs', direction: 'lower-is-better', read: (s) => s.cpuPerRequest * 1e6 },
  { name: 'rss', label: 'Peak RSS', unit: 'MiB', direction: 'lower-is-better', read: (s) => s.peakRssBytes / MiB },
];

export function metricSpec(name: MetricName): MetricSpec {
  const spec = METRICS.find((m) => m.name === name);
  if (!spec) throw new Error(`unknown metric ${name}`);
  return spec;
}

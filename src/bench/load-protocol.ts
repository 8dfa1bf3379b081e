// Messages between the load generator (parent) and its worker process, and the result of one run.
import type { LoginStep, Scenario } from '../config/schema.ts';
import type { Session } from './request-plan.ts';

export type { Session } from './request-plan.ts';

/** One measured load run, as the load-generator child saw it. */
export interface LoadRun {
  /** Responses received during the measured run (any status). */
  requests: number;
  /** Wall time of the measured run, seconds (our own clock, not autocannon's rounded one). */
  durationSec: number;
  /** requests / durationSec. */
  throughput: number;
  /** Percentiles of autocannon's float response times, recorded in microseconds. */
  latencyUs: { p50: number; p90: number; p99: number; mean: number };
  /** Connection errors other than timeouts (autocannon's own `errors` counts timeouts too). */
  errors: number;
  timeouts: number;
  /** Responses outside 2xx and outside scenario.expectStatus. */
  non2xx: number;
  /**
   * How busy the load generator was during the measured run, as a fraction of one core: its main thread
   * (autocannon's event loop, the part that saturates), or its whole process where threads cannot be read.
   * With several workers, the busiest.
   */
  loadGenCpu: number;
  /** Load-generator processes that took part (each on its own CPU when pinned). */
  workers?: number;
  /** The latency histogram, compressed (hdr-histogram base64), so runs of several workers can be merged. */
  histogram?: string;
  /**
   * When asked for (`bucketMs`): responses completed per bucket of the monotonic clock, as
   * [floor(monotonic ms / bucketMs), responses]. The observe run's hooks count calls and CPU in the same
   * buckets (the clock is the machine's, shared across namespaces), which puts them per request.
   */
  completions?: [number, number][];
}

export interface RunRequestMessage {
  type: 'run';
  id: number;
  url: string;
  scenario: Scenario;
  /** A fixed request rate (requests per second, all connections together) instead of as fast as possible. */
  rate?: number;
  /** Count completed responses per bucket of this many ms of the monotonic clock (LoadRun.completions). */
  bucketMs?: number;
  /** What the server's login captured, for `{{name}}` in the scenario's requests. */
  session?: Session;
  /** Which worker of a scaled-out pool this is (0 first): its draws start elsewhere in the seeded sequence. */
  stream?: number;
}

/** Send the login requests to the server at `url` and answer with what they captured. */
export interface LoginRequestMessage {
  type: 'login';
  id: number;
  url: string;
  steps: LoginStep[];
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'result'; id: number; run: LoadRun }
  | { type: 'session'; id: number; session: Session }
  | { type: 'error'; id: number; message: string; login?: boolean };

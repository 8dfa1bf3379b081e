'use strict';
// @bumpbench-examples/retry-policy __VERSION__

/**
 * Delays in milliseconds before each retry: exponential backoff from `baseMs`, capped at `maxMs`,
 * with "full jitter" drawn from `random` (a function returning [0, 1); Math.random by default).
 */
function backoffSchedule(options = {}) {
  const retries = options.retries ?? 5;
  const baseMs = options.baseMs ?? 100;
  const maxMs = options.maxMs ?? 10_000;
  const random = options.random ?? Math.random;
  const delays = [];
  for (let attempt = 0; attempt < retries; attempt += 1) {
    const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
    delays.push(Math.round(random() * ceiling));
  }
  return delays;
}

/** Whether an HTTP status is worth retrying (timeouts, rate limits, server errors). */
function isRetryableStatus(status) {
  return status === 408 || status === 429 || (status >= 500 && status !== 501);
}

exports.backoffSchedule = backoffSchedule;
exports.isRetryableStatus = isRetryableStatus;

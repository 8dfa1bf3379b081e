// The Probot app: registers the webhook handlers, nothing else. `bumpbench serve` runs it with an in-process
// worker; run under plain `probot run`, jobs wait in the queue for `bumpbench worker`.
import { createApp } from './github/app.ts';
import { DeliveryLog } from './github/delivery-log.ts';
import { PrHeads } from './github/pr-heads.ts';
import { SqliteJobQueue } from './jobs/sqlite-queue.ts';
import { defaultDataDir } from './store/results-store.ts';

export default createApp(() => {
  const queue = SqliteJobQueue.open(defaultDataDir());
  // Beside the queue, as under `bumpbench serve`: deliveries handled once, heads bound across restarts.
  return { queue, deliveries: new DeliveryLog(queue.path), heads: new PrHeads(queue.path) };
});

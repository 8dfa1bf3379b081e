// The Probot app: registers the webhook handlers, nothing else. `bumpbench serve` runs it with an in-process
// worker; run under plain `probot run`, jobs wait in the queue for `bumpbench worker`.
import { createApp } from './github/app.ts';
import { SqliteJobQueue } from './jobs/sqlite-queue.ts';
import { defaultDataDir } from './store/results-store.ts';

export default createApp(() => ({ queue: SqliteJobQueue.open(defaultDataDir()) }));

// `npm run migrate`: applies migrations/*.sql in name order, each once (recorded in schema_migrations).
import { readdir, readFile } from 'node:fs/promises';
import { createPool } from '../lib/pg.js';
import { readSettings } from '../lib/settings.js';

const dir = new URL('../migrations/', import.meta.url);
const db = await createPool(readSettings().databaseUrl, 1);
try {
  await db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  const applied = new Set((await db.query('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()) {
    if (applied.has(file)) continue;
    const sql = await readFile(new URL(file, dir), 'utf8');
    await db.exec(`BEGIN;\n${sql}\n;INSERT INTO schema_migrations (name) VALUES ('${file.replace(/'/g, "''")}');\nCOMMIT;`);
    console.log(`applied ${file}`);
  }
} finally {
  db.close();
}

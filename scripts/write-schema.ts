// Writes config/schema.json from the zod schema, so editors can validate .github/bumpbench.yml.
// Run with `npm run schema`; a test checks the committed file is current.
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../src/config/json-schema.ts';

writeFileSync(new URL('../config/schema.json', import.meta.url), JSON.stringify(configJsonSchema(), null, 2) + '\n');
console.log('wrote config/schema.json');

// The JSON schema of the repo config, derived from the zod schema (input side: what users write).
import { z } from 'zod';
import { configSchema } from './schema.ts';

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://github.com/bumpbench/bumpbench/config/schema.json',
    title: 'bumpbench repo config (.github/bumpbench.yml)',
  };
}

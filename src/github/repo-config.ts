// The repo config, read from the BASE commit through the API (never from the PR head: a pull request
// must not choose its own commands or thresholds), then validated.
import { parseDocument } from 'yaml';
import { CONFIG_PATH, ConfigError, parseConfigText } from '../config/load.ts';
import type { RepoConfig } from '../config/schema.ts';
import { httpStatus, type Octokit, type RepoRef } from './octokit.ts';

export type BaseConfig =
  | { status: 'ok'; config: RepoConfig; text: string }
  | { status: 'missing' }
  | { status: 'invalid'; problems: string[]; text: string };

export async function readBaseConfig(octokit: Octokit, where: RepoRef, baseSha: string): Promise<BaseConfig> {
  let text: string;
  try {
    const { data } = await octokit.rest.repos.getContent({ ...where, path: CONFIG_PATH, ref: baseSha });
    if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) {
      return { status: 'invalid', problems: [`(file): ${CONFIG_PATH} is not a file`], text: '' };
    }
    text = Buffer.from(data.content, (data.encoding as BufferEncoding) || 'base64').toString('utf8');
  } catch (err) {
    if (httpStatus(err) === 404) return { status: 'missing' };
    throw err;
  }
  try {
    return { status: 'ok', config: parseConfigText(text), text };
  } catch (err) {
    if (err instanceof ConfigError) return { status: 'invalid', problems: err.problems, text };
    throw err;
  }
}

export interface TriggerSettings {
  auto: 'bots' | 'all' | 'off';
  label: string;
  gate: 'fail' | 'neutral';
  skipDevOnly: boolean;
}

const DEFAULT_TRIGGERS: TriggerSettings = { auto: 'bots', label: 'benchmark', gate: 'fail', skipDevOnly: true };

/**
 * The trigger settings, also when the config is missing or invalid: the defaults, or what an invalid
 * file says where that part is readable, so a broken config still reaches the people it would have run for.
 */
export function triggerSettings(base: BaseConfig): TriggerSettings {
  if (base.status === 'ok') {
    return { auto: base.config.triggers.auto, label: base.config.triggers.label, gate: base.config.gate, skipDevOnly: base.config.triggers.skipDevOnly };
  }
  if (base.status === 'missing') return DEFAULT_TRIGGERS;
  let raw: unknown;
  try {
    raw = parseDocument(base.text).toJS();
  } catch {
    return DEFAULT_TRIGGERS;
  }
  const data = (raw && typeof raw === 'object' ? raw : {}) as { triggers?: { auto?: unknown; label?: unknown; skipDevOnly?: unknown }; gate?: unknown };
  const auto = data.triggers?.auto;
  const label = data.triggers?.label;
  return {
    auto: auto === 'bots' || auto === 'all' || auto === 'off' ? auto : DEFAULT_TRIGGERS.auto,
    label: typeof label === 'string' && label.length > 0 ? label : DEFAULT_TRIGGERS.label,
    gate: data.gate === 'neutral' ? 'neutral' : 'fail',
    skipDevOnly: data.triggers?.skipDevOnly !== false,
  };
}

// Every text the App shows on GitHub, in one place: replies, the starter config, check-run outputs for
// config problems. Kept free of secrets by construction: nothing here interpolates a credential.
import { CONFIG_PATH } from '../config/load.ts';
import type { Change } from '../model.ts';
import { changesSection } from '../report/markdown.ts';
import { COMMAND_USAGE } from './commands.ts';

export const STICKY_MARKER = '<!-- bumpbench:sticky -->';
/** The compare's check run: the gate a branch protection rule can require. */
export const CHECK_NAME = 'bumpbench';
/**
 * Each job kind reports under its own name, so a bisect or a soak can never overwrite the compare's
 * conclusion on the same commit.
 */
export const CHECK_NAMES = { compare: CHECK_NAME, bisect: `${CHECK_NAME}/bisect`, soak: `${CHECK_NAME}/soak` } as const;

export const STARTER_CONFIG = `# ${CONFIG_PATH}: how bumpbench starts and loads your server (docs/configuration.md)
start: node server.js        # bumpbench sets PORT and HOST=127.0.0.1
ready: /health               # polled until it answers 2xx
scenarios:
  - name: home
    path: /
triggers:
  auto: bots                 # run on Dependabot/Renovate lockfile PRs; "all" or "off"
  label: benchmark           # add this label to run on any PR
gate: fail                   # a regression fails the check; "neutral" only reports it
`;

export function helpText(intro?: string): string {
  const lines = COMMAND_USAGE.map(([usage, what]) => `- \`${usage}\`: ${what}`);
  return [intro, 'bumpbench understands these commands (one per comment, on their own line):', '', ...lines]
    .filter((l) => l !== undefined)
    .join('\n');
}

export function unknownCommandReply(input: string, problem: string): string {
  return helpText(`I could not run \`${input}\`: ${problem}.\n`);
}

export function notAllowedReply(login: string, what: string): string {
  return (
    `Thanks @${login}! Only people with write, maintain or admin access to this repository can ${what}, ` +
    `because it runs the pull request's code on our benchmark machine. A maintainer can run it with ` +
    `\`/bumpbench bench\` or by adding the trigger label.`
  );
}

export function configInvalidOutput(problems: string[], sha: string): { title: string; summary: string } {
  return {
    title: `${CONFIG_PATH} is not valid`,
    summary: [
      `The config on the base branch (\`${sha.slice(0, 7)}\`) has ${problems.length} problem(s). Fix them on the base branch; ` +
        `a pull request cannot change its own benchmark settings.`,
      '',
      ...problems.map((p) => `- \`${p.split(':')[0]}\`:${p.slice(p.indexOf(':') + 1)}`),
      '',
      'See docs/configuration.md for every key and its default.',
    ].join('\n'),
  };
}

export function configMissingOutput(sha: string): { title: string; summary: string } {
  return {
    title: `No ${CONFIG_PATH} on the base branch`,
    summary: [
      `bumpbench needs to know how to start your server. Add \`${CONFIG_PATH}\` to the base branch ` +
        `(it is read from \`${sha.slice(0, 7)}\`, never from the pull request), for example:`,
      '',
      '```yaml',
      STARTER_CONFIG.trimEnd(),
      '```',
    ].join('\n'),
  };
}

/** The neutral check of a bump that changes dev dependencies only: why nothing ran, and how to run it anyway. */
export function devOnlySkippedOutput(summary: string, changes: Change[], label: string): { title: string; summary: string } {
  return {
    title: 'Skipped: dev dependencies only',
    summary: [
      `This pull request changes ${summary} and nothing the server runs, so bumpbench did not benchmark it (\`triggers.skipDevOnly\` in ${CONFIG_PATH}).`,
      '',
      `If your build compiles with a dev dependency (TypeScript, Babel, a bundler), the server can still change: comment \`/bumpbench bench\` or add the \`${label}\` label to measure it, or set \`triggers.skipDevOnly: false\`.`,
      '',
      changesSection(changes),
    ].join('\n'),
  };
}

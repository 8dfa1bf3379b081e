import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/github/commands.ts';

describe('parseCommand', () => {
  it('reads the commands, tolerant of case and extra spaces', () => {
    expect(parseCommand('/bumpbench bench')).toEqual({ name: 'bench' });
    expect(parseCommand('  /BUMPBENCH    Bench   ')).toEqual({ name: 'bench' });
    expect(parseCommand('/bumpbench bisect')).toEqual({ name: 'bisect' });
    expect(parseCommand('/bumpbench bisect  @scope/Pkg_1')).toEqual({ name: 'bisect', package: '@scope/Pkg_1' });
    expect(parseCommand('/bumpbench soak')).toEqual({ name: 'soak' });
    expect(parseCommand('/bumpbench soak 30m')).toEqual({ name: 'soak', seconds: 1800 });
    expect(parseCommand('/bumpbench cancel')).toEqual({ name: 'cancel' });
    expect(parseCommand('/bumpbench more')).toEqual({ name: 'more' });
    expect(parseCommand('/bumpbench more 6')).toEqual({ name: 'more', pairs: 6 });
    expect(parseCommand('/bumpbench help')).toEqual({ name: 'help' });
    expect(parseCommand('/bumpbench')).toEqual({ name: 'help' });
  });

  it('takes only the first line that starts with /bumpbench', () => {
    expect(parseCommand('LGTM, but:\r\n/bumpbench cancel\n/bumpbench bench')).toEqual({ name: 'cancel' });
    expect(parseCommand('> /bumpbench bench\nquoted, so no')).toBeNull();
    expect(parseCommand('I will run /bumpbench bench tomorrow')).toBeNull();
    expect(parseCommand('/bumpbenchmark bench')).toBeNull();
    expect(parseCommand('')).toBeNull();
  });

  it('reports unknown commands and bad arguments with what was wrong', () => {
    expect(parseCommand('/bumpbench run')).toEqual({ name: 'unknown', input: '/bumpbench run', problem: '"run" is not a bumpbench command' });
    expect(parseCommand('/bumpbench soak forever')).toMatchObject({ name: 'unknown', problem: expect.stringContaining('"forever" is not a duration') });
    expect(parseCommand('/bumpbench soak -5m')).toMatchObject({ name: 'unknown' });
    expect(parseCommand('/bumpbench bisect a b')).toMatchObject({ name: 'unknown', problem: 'bisect takes at most one package name' });
    for (const bad of ['/bumpbench more six', '/bumpbench more 0', '/bumpbench more 101', '/bumpbench more 2 3']) {
      expect(parseCommand(bad)).toMatchObject({ name: 'unknown', problem: expect.stringContaining('is not a number of pairs: write e.g. `/bumpbench more 6` (at most 100)') });
    }
  });
});

// Version specs as people write them, resolved against release lists and interpreters (pure parts).
import { describe, expect, it } from 'vitest';
import { nodeRange, parsePythonSpec, parseRuntimeFlag, pickInterpreter, pickNodeVersion, pinsOneMajor, type PythonInterpreter } from '../../src/runtimes/index.ts';

const RELEASES = ['18.20.4', '20.11.1', '20.20.2', '21.7.3', '22.9.0', '22.23.5', '23.0.0-rc.1', '24.1.0', '4.1.0-pkg1'];

describe('Node specs', () => {
  it('resolves to the newest stable release that satisfies', () => {
    expect(pickNodeVersion('20', RELEASES)).toBe('20.20.2');
    expect(pickNodeVersion('v20.11.1', RELEASES)).toBe('20.11.1');
    expect(pickNodeVersion('22.x', RELEASES)).toBe('22.23.5');
    expect(pickNodeVersion('lts/iron', RELEASES)).toBe('20.20.2');
    expect(pickNodeVersion('node', RELEASES)).toBe('24.1.0');
    expect(pickNodeVersion('>=20.6 <21', RELEASES)).toBe('20.20.2');
    expect(pickNodeVersion('19', RELEASES)).toBeNull();
    expect(pickNodeVersion('banana', RELEASES)).toBeNull();
  });

  it('tells a pin of one major from a range over several', () => {
    expect(pinsOneMajor(nodeRange('22')!)).toBe(true);
    expect(pinsOneMajor(nodeRange('^20.18.1')!)).toBe(true);
    expect(pinsOneMajor(nodeRange('>=18')!)).toBe(false);
    expect(pinsOneMajor(nodeRange('^20 || ^22')!)).toBe(false);
  });
});

describe('Python specs', () => {
  it('reads CPython and PyPy in the forms version managers and people write', () => {
    expect(parsePythonSpec('3.11')).toMatchObject({ implementation: 'cpython', version: '3.11' });
    expect(parsePythonSpec('python3.11')).toMatchObject({ implementation: 'cpython', version: '3.11' });
    expect(parsePythonSpec('python-3.12.1')).toMatchObject({ implementation: 'cpython', version: '3.12.1' });
    expect(parsePythonSpec('python')).toMatchObject({ implementation: 'cpython', version: '' });
    expect(parsePythonSpec('pypy3')).toMatchObject({ implementation: 'pypy', version: '3', pypyVersion: '' });
    expect(parsePythonSpec('pypy3.9-7.3.11')).toMatchObject({ implementation: 'pypy', version: '3.9', pypyVersion: '7.3.11' });
    expect(parsePythonSpec('pypy3.10-v7.3.15')).toMatchObject({ implementation: 'pypy', version: '3.10', pypyVersion: '7.3.15' });
    expect(parsePythonSpec('system')).toMatchObject({ system: true });
    expect(parsePythonSpec('3.13t')).toBeNull();
    expect(parsePythonSpec('jython')).toBeNull();
  });

  it('picks the newest matching interpreter', () => {
    const i = (implementation: 'cpython' | 'pypy', version: string, pypyVersion?: string, origin: 'pyenv' | 'system' = 'pyenv'): PythonInterpreter => ({
      executable: `/x/${implementation}${version}`, implementation, version, ...(pypyVersion ? { pypyVersion } : {}), prefix: '/x', origin,
    });
    const found = [i('cpython', '3.11.2', undefined, 'system'), i('cpython', '3.11.7'), i('cpython', '3.12.1'), i('pypy', '3.9.16', '7.3.11', 'system'), i('cpython', '3.1.5')];
    expect(pickInterpreter(found, parsePythonSpec('3.11')!)?.version).toBe('3.11.7');
    expect(pickInterpreter(found, parsePythonSpec('3.1')!)?.version).toBe('3.1.5');
    expect(pickInterpreter(found, parsePythonSpec('python3')!)?.version).toBe('3.12.1');
    expect(pickInterpreter(found, parsePythonSpec('pypy3')!)?.pypyVersion).toBe('7.3.11');
    expect(pickInterpreter(found, parsePythonSpec('pypy3.10')!)).toBeNull();
    expect(pickInterpreter(found, parsePythonSpec('3.5')!)).toBeNull();
    expect(pickInterpreter(found, parsePythonSpec('system')!)?.version).toBe('3.11.2');
  });
});

describe('runtime flags', () => {
  it('reads one or several kinds, and says how to write a wrong one', () => {
    expect(parseRuntimeFlag('python3.11', '--base-runtime')).toEqual([{ kind: 'python', spec: 'python3.11', from: '--base-runtime' }]);
    expect(parseRuntimeFlag('node@20.11.1,pypy3', '--head-runtime')).toEqual([
      { kind: 'node', spec: '20.11.1', from: '--head-runtime' },
      { kind: 'python', spec: 'pypy3', from: '--head-runtime' },
    ]);
    expect(parseRuntimeFlag('node22', 'x')[0].spec).toBe('22');
    expect(() => parseRuntimeFlag('22', '--head-runtime')).toThrow(/say which runtime, e.g. python22 or node22/);
    expect(() => parseRuntimeFlag('ruby3', '--head-runtime')).toThrow(/not a runtime: write e.g. python3.11, pypy3 or node22/);
    expect(() => parseRuntimeFlag('node20,node22', '--head-runtime')).toThrow(/same kind of runtime twice/);
  });
});

// Where repositories pin runtimes, read from real-shaped files: every source, precedence, and the diff
// that turns a bump into a runtime change.
import { describe, expect, it } from 'vitest';
import { diffRuntimeFile, isRuntimeFilePath, parseRuntimeFile, winningDeclaration } from '../../src/runtimes/index.ts';

describe('runtime declarations', () => {
  it('reads .nvmrc and .node-version, comments and a leading v included', () => {
    expect(parseRuntimeFile('.nvmrc', '# the LTS we deploy\nv20.11.1\n')).toEqual([
      { kind: 'node', source: 'nvmrc', spec: 'v20.11.1', file: '.nvmrc', pin: 'v20.11.1' },
    ]);
    expect(parseRuntimeFile('web/.node-version', '22\n')[0]).toMatchObject({ kind: 'node', source: 'node-version', spec: '22', pin: '22', file: 'web/.node-version' });
    expect(parseRuntimeFile('.nvmrc', 'lts/iron')[0].pin).toBe('lts/iron');
    expect(parseRuntimeFile('.nvmrc', 'lts/nosuchname')[0]).toMatchObject({ pin: null, reason: expect.stringMatching(/not a Node version/) });
  });

  it('reads .python-version (first of several), runtime.txt and .tool-versions', () => {
    expect(parseRuntimeFile('.python-version', '3.11.7\n3.10.13\n')[0]).toMatchObject({ kind: 'python', spec: '3.11.7', pin: '3.11.7' });
    expect(parseRuntimeFile('.python-version', 'pypy3.9-7.3.11\n')[0].pin).toBe('pypy3.9-7.3.11');
    expect(parseRuntimeFile('runtime.txt', 'python-3.12.1\n')[0]).toMatchObject({ kind: 'python', source: 'runtime-txt', pin: 'python-3.12.1' });
    expect(parseRuntimeFile('runtime.txt', 'java-17\n')).toEqual([]);
    expect(parseRuntimeFile('.tool-versions', 'nodejs 20.11.1\npython 3.12.1 3.11.7 # two\nruby 3.3.0\n')).toEqual([
      { kind: 'node', source: 'tool-versions', spec: '20.11.1', file: '.tool-versions', field: 'nodejs', pin: '20.11.1' },
      { kind: 'python', source: 'tool-versions', spec: '3.12.1', file: '.tool-versions', field: 'python', pin: '3.12.1' },
    ]);
  });

  it('reads engines.node only when it pins one major, and volta.node always', () => {
    const json = (engines: string) => JSON.stringify({ name: 'x', engines: { node: engines }, volta: { node: '20.11.1' } });
    const one = parseRuntimeFile('package.json', json('22.x'));
    expect(one.map((d) => [d.source, d.pin])).toEqual([['volta', '20.11.1'], ['engines', '22.x']]);
    for (const range of ['>=18', '^20.18.1 || >=22', '*']) {
      const engines = parseRuntimeFile('package.json', json(range)).find((d) => d.source === 'engines')!;
      expect(engines.pin, range).toBeNull();
      expect(engines.reason).toMatch(/several major versions/);
    }
    expect(parseRuntimeFile('package.json', json('>=20.6 <21')).find((d) => d.source === 'engines')!.pin).toBe('>=20.6 <21');
    expect(parseRuntimeFile('package.json', '{ not json')).toEqual([]);
  });

  it('reads Dockerfile FROM lines of the official images, with build arguments and stages', () => {
    const text = [
      'ARG NODE_VERSION=22.11.0',
      'FROM --platform=linux/amd64 docker.io/library/node:${NODE_VERSION}-bookworm-slim AS build',
      'RUN npm ci',
      'FROM build AS test',
      'FROM python:3.12-slim',
      'FROM pypy:3.10-7.3.17 AS pypy',
      'FROM ubuntu:24.04',
      'FROM node:lts-alpine',
      'FROM node:$UNSET',
    ].join('\n');
    const found = parseRuntimeFile('deploy/Dockerfile', text);
    expect(found.map((d) => [d.kind, d.spec, d.pin])).toEqual([
      ['node', 'node:22.11.0-bookworm-slim', '22.11.0'],
      ['python', 'python:3.12-slim', '3.12'],
      ['python', 'pypy:3.10-7.3.17', 'pypy3.10-7.3.17'],
      ['node', 'node:lts-alpine', 'lts/*'],
      ['node', 'node:$UNSET', null],
    ]);
    expect(found.at(-1)!.reason).toMatch(/build argument/);
    expect(parseRuntimeFile('Dockerfile', 'FROM node\n')[0]).toMatchObject({ pin: null, reason: expect.stringMatching(/names no version/) });
  });

  it('knows runtime files by name', () => {
    for (const p of ['.nvmrc', 'a/.node-version', '.python-version', '.tool-versions', 'runtime.txt', 'package.json', 'Dockerfile', 'api.Dockerfile', 'Dockerfile.prod', 'Containerfile']) {
      expect(isRuntimeFilePath(p), p).toBe(true);
    }
    for (const p of ['package-lock.json', 'nvmrc', 'docker-compose.yml', 'requirements.txt']) expect(isRuntimeFilePath(p), p).toBe(false);
  });

  it('picks the declaration that wins: volta, then .nvmrc …, then engines, then the Dockerfile', () => {
    const all = [
      ...parseRuntimeFile('Dockerfile', 'FROM node:18\nFROM node:24-slim'),
      ...parseRuntimeFile('package.json', JSON.stringify({ engines: { node: '^21.0.0' } })),
      ...parseRuntimeFile('.nvmrc', '20'),
    ];
    expect(winningDeclaration(all, 'node')?.file).toBe('.nvmrc');
    expect(winningDeclaration(all.filter((d) => d.source !== 'nvmrc'), 'node')?.spec).toBe('^21.0.0');
    expect(winningDeclaration(all.filter((d) => d.source === 'dockerfile'), 'node')?.pin).toBe('24');
    expect(winningDeclaration(all, 'python')).toBeNull();
  });

  it('diffs two versions of a file into runtime changes', () => {
    expect(diffRuntimeFile('.nvmrc', '20\n', '22\n')).toEqual([{ ecosystem: 'runtime', name: 'node', from: '20', to: '22', lockfile: '.nvmrc' }]);
    expect(diffRuntimeFile('.nvmrc', '20\n', '# comment\n20\n')).toEqual([]);
    expect(diffRuntimeFile('.python-version', null, '3.12\n')).toEqual([{ ecosystem: 'runtime', name: 'python', from: null, to: '3.12', lockfile: '.python-version' }]);
    const pkg = (engines: string) => JSON.stringify({ version: '1.0.0', engines: { node: engines } });
    expect(diffRuntimeFile('package.json', pkg('>=18'), pkg('>=20'))).toEqual([
      { ecosystem: 'runtime', name: 'node', from: '>=18', to: '>=20', lockfile: 'package.json', field: 'engines.node' },
    ]);
    // As Dependabot's "Bump python from 3.11-slim to 3.12-slim" says it; another image keeps its name.
    expect(diffRuntimeFile('Dockerfile', 'FROM python:3.11-slim\n', 'FROM python:3.12-slim\n')).toEqual([
      { ecosystem: 'runtime', name: 'python', from: '3.11-slim', to: '3.12-slim', lockfile: 'Dockerfile' },
    ]);
    expect(diffRuntimeFile('Dockerfile', 'FROM python:3.11-slim\n', 'FROM pypy:3.10-slim\n')[0]).toMatchObject({ from: '3.11-slim', to: 'pypy:3.10-slim' });
  });
});

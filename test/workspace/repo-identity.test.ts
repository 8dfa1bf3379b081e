// A repository is known by who it is, not where a checkout of it sits.
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normaliseRemoteUrl, repoIdentity } from '../../src/workspace/repo-identity.ts';
import { createRepo, git, tempDir } from '../helpers/git-repo.ts';

describe('normaliseRemoteUrl', () => {
  it('gives one identity for every way of writing a GitHub remote', () => {
    for (const url of [
      'https://github.com/Acme/API.git',
      'https://x-access-token:ghs_secret@github.com/acme/api',
      'http://github.com/acme/api/',
      'git@github.com:Acme/api.git',
      'ssh://git@github.com/acme/API.git',
      'git+ssh://git@github.com:22/acme/api.git',
    ]) expect(normaliseRemoteUrl(url), url).toBe('github.com/acme/api');
  });

  it('keeps other hosts and their paths, drops credentials, and says null for what is not a remote', () => {
    expect(normaliseRemoteUrl('https://user:pw@GitLab.Example.com/Group/Sub/Repo.git')).toBe('gitlab.example.com/Group/Sub/Repo');
    expect(normaliseRemoteUrl('file:///srv/repos/x')).toBeNull();
    expect(normaliseRemoteUrl('/srv/repos/x')).toBeNull();
  });
});

describe('repoIdentity', () => {
  it('knows a local clone by its origin, so the CLI and the App (by clone URL) agree', async () => {
    const repo = createRepo({ 'a.txt': 'a' });
    try {
      git(repo, 'remote', 'add', 'origin', 'git@github.com:acme/widget.git');
      expect(await repoIdentity(repo)).toBe('github.com/acme/widget');
      expect(await repoIdentity('https://github.com/acme/widget.git')).toBe('github.com/acme/widget');
      // A file:// URL is the local repository it points at.
      expect(await repoIdentity(`file://${repo}`)).toBe('github.com/acme/widget');
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it('a clone without a remote is known by its real path', async () => {
    const repo = createRepo({ 'a.txt': 'a' });
    try {
      expect(await repoIdentity(repo)).toMatch(/^local:\//);
      expect(await repoIdentity(`${repo}/`)).toBe(await repoIdentity(repo));
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});

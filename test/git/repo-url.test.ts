import { describe, expect, it } from 'vitest';
import { checkRepoUrl, locateRepo, splitUrlCredentials } from '../../src/adapters/git/repo-url.js';

describe('checkRepoUrl', () => {
  const accepted = [
    'https://github.com/org/infra.git',
    'http://git.internal/org/infra.git',
    'ssh://git@github.com/org/infra.git',
    'ssh://git@github.com:2222/org/infra.git',
    'git@github.com:org/infra.git',
    'github.com:org/infra.git',
    'file:///srv/git/infra.git',
    '/srv/git/infra',
    './infra',
    '../infra',
    'infra',
    'https://user:token@github.com/org/infra.git',
  ];
  it.each(accepted)('accepts %s', (url) => {
    expect(checkRepoUrl(url)).toBeNull();
  });

  const refused: Array<[string, RegExp]> = [
    ['ext::sh -c touch% /tmp/pwned', /remote-helper form/],
    ['fd::17', /remote-helper form/],
    ['foo::https://example.com/repo', /remote-helper form/],
    ['-uhelp', /starts with "-"/],
    ['--upload-pack=touch /tmp/x', /starts with "-"/],
    ['-oProxyCommand=touch /tmp/x:repo', /starts with "-"/],
    ['git@-oProxyCommand=x:repo', /host starting with "-"/],
    ['ssh://-oProxyCommand=x/repo', /host or user starting with "-"/],
    ['https://github.com/org/infra\n.git', /control characters/],
    ['https://github.com/\u0000', /control characters/],
    ['git://github.com/org/infra.git', /unsupported scheme "git:\/\/"/],
    ['ftp://example.com/repo', /unsupported scheme/],
    ['', /is empty/],
    ['https://', /not a valid URL|no host/],
  ];
  it.each(refused)('refuses %j', (url, why) => {
    expect(checkRepoUrl(url)).toMatch(why);
  });
});

describe('locateRepo', () => {
  it('treats file:// URLs and paths as local, the rest as remote', () => {
    expect(locateRepo('file:///srv/x')).toEqual({ kind: 'local', path: '/srv/x' });
    expect(locateRepo('./x', '/base')).toEqual({ kind: 'local', path: '/base/x' });
    expect(locateRepo('plain-dir', '/base')).toEqual({ kind: 'local', path: '/base/plain-dir' });
    expect(locateRepo('/abs/dir:with-colon')).toEqual({ kind: 'local', path: '/abs/dir:with-colon' });
    expect(locateRepo('git@github.com:org/x.git')).toEqual({
      kind: 'remote',
      url: 'git@github.com:org/x.git',
      insecure: false,
    });
    expect(locateRepo('http://h/x.git')).toMatchObject({ kind: 'remote', insecure: true });
  });
});

describe('splitUrlCredentials', () => {
  it('moves user:token out of https URLs', () => {
    expect(splitUrlCredentials('https://bob:s3cr%40t@github.com/o/r.git')).toEqual({
      url: 'https://github.com/o/r.git',
      username: 'bob',
      password: 's3cr@t',
    });
    expect(splitUrlCredentials('https://ghp_abc@github.com/o/r.git')).toEqual({
      url: 'https://github.com/o/r.git',
      username: 'ghp_abc',
      password: '',
    });
  });
  it('leaves other URLs alone', () => {
    expect(splitUrlCredentials('https://github.com/o/r.git')).toEqual({ url: 'https://github.com/o/r.git' });
    expect(splitUrlCredentials('ssh://git@github.com/o/r.git')).toEqual({
      url: 'ssh://git@github.com/o/r.git',
    });
  });
});

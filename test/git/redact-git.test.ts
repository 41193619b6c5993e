import { describe, expect, it } from 'vitest';
import { redactGitText, summarizeGitStderr } from '../../src/adapters/git/redact-git.js';

describe('redactGitText', () => {
  const cases: Array<[string, string, string[]]> = [
    [
      "fatal: unable to access 'https://bob:hunter22@git.example/r.git/'",
      "fatal: unable to access 'https://***@git.example/r.git/'",
      [],
    ],
    [
      'remote: https://ghp_abcdefghijklmnopqrstuvwxyz0123@github.com/o/r',
      'remote: https://***@github.com/o/r',
      [],
    ],
    ['token ghp_abcdefghijklmnopqrstuvwxyz0123 rejected', 'token *** rejected', []],
    ['pat github_pat_11ABCDEFG0123456789_abcdefghijkl leaked', 'pat *** leaked', []],
    ['Authorization: Bearer eyJhbGciOi.eyJpYXQiOjE3.c2lnbmF0dXJl', 'Authorization: Bearer ***', []],
    ['x-access-token:ghs_shorttoken@host', 'x-access-token:***@host', []],
    ['?password=abc&user=x', '?password=***&user=x', []],
    ['the secret is s3cr3t-value here', 'the secret is *** here', ['s3cr3t-value']],
    ['ssh://git@github.com/o/r.git is kept', 'ssh://git@github.com/o/r.git is kept', []],
    [
      'commit 0123456789abcdef0123456789abcdef01234567 kept',
      'commit 0123456789abcdef0123456789abcdef01234567 kept',
      [],
    ],
  ];
  it.each(cases)('%j', (input, expected, secrets) => {
    expect(redactGitText(input, secrets)).toBe(expected);
  });
});

describe('summarizeGitStderr', () => {
  it('makes one redacted line and drops progress noise', () => {
    const stderr =
      "Cloning into bare repository 'x'...\nremote: Counting objects: 3\n" +
      "remote: Invalid username or password.\nfatal: Authentication failed for 'https://u:tok3nvalue@h/r.git/'\n";
    const line = summarizeGitStderr(stderr, ['tok3nvalue']);
    expect(line).toBe(
      "remote: Invalid username or password. | fatal: Authentication failed for 'https://***@h/r.git/'",
    );
    expect(line).not.toContain('tok3nvalue');
  });
  it('caps long output and strips control characters', () => {
    const line = summarizeGitStderr(`\u001b[31mfatal\u001b[0m: ${'x'.repeat(2000)}`);
    expect(line.length).toBeLessThanOrEqual(601);
    expect(line.startsWith('fatal')).toBe(true);
    expect(summarizeGitStderr('')).toBe('no error output');
  });
});

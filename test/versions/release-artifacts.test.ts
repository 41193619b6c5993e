import { readFileSync } from 'node:fs';
import path from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parseVersionOutput } from '../../src/adapters/versions/binary-version.js';
import { extractBinary, parseSha256Sums, sha256Hex } from '../../src/adapters/versions/checksums.js';
import { redactUrl } from '../../src/adapters/versions/http-fetch.js';
import { parseVersionList, releaseLayout } from '../../src/adapters/versions/release-index.js';
import { sharedFixturesDir } from '../support/terraform-fixtures.js';

describe('SHA256SUMS (fixture 39, HashiCorp terraform 1.7.5)', () => {
  const text = readFileSync(
    path.join(sharedFixturesDir, '39-hashicorp-sha256sums-1.7.5', 'terraform_1.7.5_SHA256SUMS'),
    'utf8',
  );
  const sums = parseSha256Sums(text);

  it('maps every file name to its lower-case hash', () => {
    expect(sums.size).toBe(15);
    expect(sums.get('terraform_1.7.5_linux_amd64.zip')).toBe(
      '3ff056b5e8259003f67fd0f0ed7229499cfb0b41f3ff55cc184088589994f7a5',
    );
    expect(sums.get('terraform_1.7.5_darwin_arm64.zip')).toBe(
      '99c4d4feafb0183af2f7fbe07beeea6f83e5f5a29ae29fee3168b6810e37ff98',
    );
    expect(sums.has('terraform_1.7.5_linux_riscv64.zip')).toBe(false);
  });

  it('matches exact names only and accepts the binary-mode star', () => {
    const hash = sha256Hex(strToU8('x'));
    const parsed = parseSha256Sums(`${hash.toUpperCase()} *tofu_1.8.0_linux_amd64.zip\nnot a line\n`);
    expect([...parsed]).toEqual([['tofu_1.8.0_linux_amd64.zip', hash]]);
  });
});

describe('extractBinary', () => {
  const bin = strToU8('#!/bin/sh\necho hi\n');
  it('takes the single binary entry and ignores the rest', () => {
    const zip = zipSync({ 'LICENSE.txt': strToU8('MPL'), 'README.md': strToU8('x'), tofu: bin });
    expect(extractBinary(zip, 'tofu', 'a.zip')).toEqual(bin);
  });
  it('rejects an archive without the binary, or a non-zip', () => {
    expect(() => extractBinary(zipSync({ other: bin }), 'terraform', 'a.zip')).toThrow(
      /a.zip holds 0 entries/,
    );
    expect(() => extractBinary(strToU8('not a zip at all'), 'terraform', 'b.zip')).toThrow(
      /b.zip is not a readable zip/,
    );
  });
});

describe('parseVersionOutput', () => {
  it.each([
    [
      '{\n  "terraform_version": "1.5.7",\n  "platform": "linux_amd64",\n  "terraform_outdated": false\n}',
      '1.5.7',
    ],
    ['{"terraform_version":"1.8.0","platform":"linux_amd64","provider_selections":{}}', '1.8.0'],
    ['Warning: something\n\n{"format_version":"1.0","terraform_version":"1.17.0-dev"}', '1.17.0-dev'],
    ['Terraform v1.5.7\non linux_amd64\n+ provider registry.terraform.io/hashicorp/null v3.2.1', '1.5.7'],
    ['OpenTofu v1.8.0-beta1\non linux_amd64', '1.8.0-beta1'],
    ['terragrunt version v0.67.0\n', '0.67.0'],
    ['terragrunt version 0.99.1', '0.99.1'],
    ['command not found', undefined],
  ])('%j → %s', (output, expected) => {
    expect(parseVersionOutput(output)).toBe(expected);
  });
});

describe('release layouts and version lists', () => {
  const platform = { os: 'linux', arch: 'amd64' };
  it('builds terraform URLs from the configured base (HashiCorp tree)', () => {
    const l = releaseLayout('terraform', 'http://mirror.local/hc/', platform);
    expect(l.listUrl).toBe('http://mirror.local/hc/terraform/index.json');
    expect(l.artifactUrl('1.7.5')).toBe(
      'http://mirror.local/hc/terraform/1.7.5/terraform_1.7.5_linux_amd64.zip',
    );
    expect(l.sumsUrl('1.7.5')).toBe('http://mirror.local/hc/terraform/1.7.5/terraform_1.7.5_SHA256SUMS');
  });
  it('builds tofu and terragrunt URLs (GitHub release tree) and picks official list URLs', () => {
    const tofu = releaseLayout('tofu', 'http://m/tofu', platform);
    expect(tofu.artifactUrl('1.8.0')).toBe('http://m/tofu/v1.8.0/tofu_1.8.0_linux_amd64.zip');
    expect(tofu.sumsUrl('1.8.0')).toBe('http://m/tofu/v1.8.0/tofu_1.8.0_SHA256SUMS');
    expect(tofu.listUrl).toBe('http://m/tofu/api.json');
    const official = releaseLayout(
      'tofu',
      'https://github.com/opentofu/opentofu/releases/download',
      platform,
    );
    expect(official.listUrl).toBe('https://get.opentofu.org/tofu/api.json');
    const tg = releaseLayout(
      'terragrunt',
      'http://m/tg',
      { os: 'darwin', arch: 'arm64' },
      'http://list/x.json',
    );
    expect(tg.kind).toBe('binary');
    expect(tg.artifactUrl('0.67.0')).toBe('http://m/tg/v0.67.0/terragrunt_darwin_arm64');
    expect(tg.sumsUrl('0.67.0')).toBe('http://m/tg/v0.67.0/SHA256SUMS');
    expect(tg.listUrl).toBe('http://list/x.json');
  });
  it.each([
    [{ name: 'terraform', versions: { '1.7.5': {}, '1.8.0-rc1': {}, bogus: {} } }, ['1.7.5', '1.8.0-rc1']],
    [{ versions: [{ id: '1.8.0' }, { id: '1.7.3' }] }, ['1.8.0', '1.7.3']],
    [{ versions: ['0.67.0', 'v0.66.9'] }, ['0.67.0', '0.66.9']],
    [[{ tag_name: 'v0.67.4' }, { tag_name: 'nightly' }], ['0.67.4']],
    [null, []],
  ])('parses list %j', (body, expected) => {
    expect(parseVersionList(body)).toEqual(expected);
  });
  it('redacts credentials in URLs', () => {
    expect(redactUrl('https://user:secret@mirror.local/x')).toBe('https://***@mirror.local/x');
  });
});

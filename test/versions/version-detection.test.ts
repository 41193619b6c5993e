import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSelected, planSelection, selectFrom } from '../../src/adapters/versions/version-choice.js';
import { detectVersion } from '../../src/adapters/versions/version-detection.js';
import type { ToolName } from '../../src/ports/tool-resolver.port.js';

const AVAILABLE = [
  '0.66.9',
  '0.67.0',
  '0.67.4',
  '1.4.7',
  '1.5.7',
  '1.6.0-rc1',
  '1.6.6',
  '1.7.5',
  '1.8.0',
  '1.8.1',
];
const STACK = 'envs/prod';
const tmpRoots: string[] = [];

async function makeRepo(files: Record<string, string>): Promise<string> {
  const base = await mkdtemp(path.join(tmpdir(), 'driftd-detect-'));
  tmpRoots.push(base);
  const repo = path.join(base, 'repo');
  await mkdir(path.join(repo, STACK), { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(base, rel)), { recursive: true });
    await writeFile(path.join(base, rel), content);
  }
  return repo;
}

type Expected = { source: string; version: string } | { error: string[] };

/** Detection + choice as the resolver does it, minus PATH and installs. */
async function decide(tool: ToolName, files: Record<string, string>, def?: string): Promise<Expected> {
  const repo = await makeRepo(files);
  const det = await detectVersion(tool, repo, path.join(repo, STACK));
  if (!det.ok) return { error: [det.error] };
  const sel = planSelection(tool, det.value, def);
  if (!sel.ok) return { error: [sel.error] };
  if (sel.value.spec.kind === 'exact') {
    const problem = checkSelected(sel.value, sel.value.spec.version);
    return problem ? { error: [problem] } : { source: sel.value.source, version: sel.value.spec.version };
  }
  const picked = selectFrom(sel.value, AVAILABLE);
  return picked.ok ? { source: sel.value.source, version: picked.value } : { error: [picked.error] };
}

const tf = (req: string) => `terraform {\n  required_version = "${req}"\n}\n`;

afterAll(async () => {
  await Promise.all(tmpRoots.map((r) => rm(r, { recursive: true, force: true })));
});

describe('version files, walking up from the stack to the repo root', () => {
  it.each<[string, ToolName, Record<string, string>, Expected]>([
    [
      'stack .terraform-version',
      'terraform',
      { 'repo/envs/prod/.terraform-version': '1.5.7\n' },
      { source: 'envs/prod/.terraform-version', version: '1.5.7' },
    ],
    [
      'root .terraform-version',
      'terraform',
      { 'repo/.terraform-version': '1.7.5' },
      { source: '.terraform-version', version: '1.7.5' },
    ],
    [
      'middle dir',
      'terraform',
      { 'repo/envs/.terraform-version': '1.6.6', 'repo/.terraform-version': '1.7.5' },
      { source: 'envs/.terraform-version', version: '1.6.6' },
    ],
    [
      'nearer beats farther',
      'terraform',
      { 'repo/envs/prod/.terraform-version': '1.5.7', 'repo/.terraform-version': '1.7.5' },
      { source: 'envs/prod/.terraform-version', version: '1.5.7' },
    ],
    [
      'nearer .tfswitchrc beats farther .terraform-version',
      'terraform',
      { 'repo/envs/prod/.tfswitchrc': '1.4.7', 'repo/.terraform-version': '1.7.5' },
      { source: 'envs/prod/.tfswitchrc', version: '1.4.7' },
    ],
    [
      'same dir: .terraform-version beats .tfswitchrc and .tool-versions',
      'terraform',
      {
        'repo/.terraform-version': '1.5.7',
        'repo/.tfswitchrc': '1.4.7',
        'repo/.tool-versions': 'terraform 1.7.5',
      },
      { source: '.terraform-version', version: '1.5.7' },
    ],
    [
      'same dir: .tfswitchrc beats .tool-versions',
      'terraform',
      { 'repo/.tfswitchrc': '1.4.7', 'repo/.tool-versions': 'terraform 1.7.5' },
      { source: '.tfswitchrc', version: '1.4.7' },
    ],
    [
      'asdf .tool-versions',
      'terraform',
      { 'repo/.tool-versions': '# tools\nnodejs 20.1.0\nterraform 1.6.6 1.5.7\n' },
      { source: '.tool-versions', version: '1.6.6' },
    ],
    [
      '.tool-versions without the tool is skipped',
      'terraform',
      { 'repo/envs/prod/.tool-versions': 'nodejs 20.1.0', 'repo/.terraform-version': '1.7.5' },
      { source: '.terraform-version', version: '1.7.5' },
    ],
    [
      'latest keyword',
      'terraform',
      { 'repo/.terraform-version': 'latest' },
      { source: '.terraform-version', version: '1.8.1' },
    ],
    [
      'latest:<regex>',
      'terraform',
      { 'repo/.terraform-version': 'latest:^1\\.6' },
      { source: '.terraform-version', version: '1.6.6' },
    ],
    [
      'min:<regex>',
      'terraform',
      { 'repo/.terraform-version': 'min:^1\\.8' },
      { source: '.terraform-version', version: '1.8.0' },
    ],
    [
      'constraint in a version file',
      'terraform',
      { 'repo/.terraform-version': '~> 1.7.0' },
      { source: '.terraform-version', version: '1.7.5' },
    ],
    [
      'partial version',
      'terraform',
      { 'repo/.terraform-version': '1.8' },
      { source: '.terraform-version', version: '1.8.1' },
    ],
    [
      'tofu: .opentofu-version',
      'tofu',
      { 'repo/.opentofu-version': '1.8.0', 'repo/.terraform-version': '1.5.7' },
      { source: '.opentofu-version', version: '1.8.0' },
    ],
    [
      'tofu: .terraform-version does not pin tofu',
      'tofu',
      { 'repo/.terraform-version': '1.5.7' },
      { source: 'latest', version: '1.8.1' },
    ],
    [
      'tofu: asdf opentofu',
      'tofu',
      { 'repo/.tool-versions': 'terraform 1.5.7\nopentofu 1.8.0' },
      { source: '.tool-versions', version: '1.8.0' },
    ],
    [
      'tofu: asdf tofu',
      'tofu',
      { 'repo/.tool-versions': 'tofu 1.7.5' },
      { source: '.tool-versions', version: '1.7.5' },
    ],
    [
      'terragrunt: .terragrunt-version',
      'terragrunt',
      { 'repo/.terragrunt-version': '0.67.0', 'repo/.terraform-version': '1.5.7' },
      { source: '.terragrunt-version', version: '0.67.0' },
    ],
    [
      'terragrunt: .tgswitchrc',
      'terragrunt',
      { 'repo/envs/.tgswitchrc': '0.66.9' },
      { source: 'envs/.tgswitchrc', version: '0.66.9' },
    ],
    [
      'terragrunt: asdf',
      'terragrunt',
      { 'repo/.tool-versions': 'terragrunt 0.67.4' },
      { source: '.tool-versions', version: '0.67.4' },
    ],
    [
      'files above the repo root are ignored',
      'terraform',
      { '.terraform-version': '1.4.7' },
      { source: 'latest', version: '1.8.1' },
    ],
  ])('%s', async (_name, tool, files, expected) => {
    expect(await decide(tool, files)).toEqual(expected);
  });
});

describe('constraints in code, defaults and precedence', () => {
  it.each<[string, ToolName, Record<string, string>, string | undefined, Expected]>([
    [
      'required_version: newest allowed',
      'terraform',
      { 'repo/envs/prod/main.tf': tf('~> 1.6.0') },
      undefined,
      { source: 'required_version', version: '1.6.6' },
    ],
    [
      'required_version in several files must all hold',
      'terraform',
      { 'repo/envs/prod/a.tf': tf('>= 1.5'), 'repo/envs/prod/b.tf': tf('< 1.7') },
      undefined,
      { source: 'required_version', version: '1.6.6' },
    ],
    [
      '.tf.json required_version',
      'terraform',
      { 'repo/envs/prod/versions.tf.json': JSON.stringify({ terraform: { required_version: '~> 1.5.0' } }) },
      undefined,
      { source: 'required_version', version: '1.5.7' },
    ],
    [
      'pre-releases never picked by a range',
      'terraform',
      { 'repo/envs/prod/main.tf': tf('>= 1.6.0-rc1, < 1.6.6') },
      undefined,
      { error: ['no terraform version matches', 'envs/prod/main.tf'] },
    ],
    [
      'terragrunt.hcl terraform_version_constraint',
      'terraform',
      { 'repo/envs/prod/terragrunt.hcl': 'terraform_version_constraint = "< 1.6"\n' },
      undefined,
      { source: 'terraform_version_constraint', version: '1.5.7' },
    ],
    [
      'terragrunt.hcl terragrunt_version_constraint',
      'terragrunt',
      {
        'repo/envs/prod/terragrunt.hcl':
          'terragrunt_version_constraint = "< 0.67.1"\ninclude "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n',
      },
      undefined,
      { source: 'terragrunt_version_constraint', version: '0.67.0' },
    ],
    [
      'version file wins over required_version',
      'terraform',
      { 'repo/.terraform-version': '1.5.7', 'repo/envs/prod/main.tf': tf('>= 1.4') },
      undefined,
      { source: '.terraform-version', version: '1.5.7' },
    ],
    [
      'version file wins over the default',
      'terraform',
      { 'repo/.terraform-version': '1.5.7' },
      '1.7.5',
      { source: '.terraform-version', version: '1.5.7' },
    ],
    [
      'exact default that satisfies required_version',
      'terraform',
      { 'repo/envs/prod/main.tf': tf('>= 1.5') },
      '1.7.5',
      { source: 'default', version: '1.7.5' },
    ],
    [
      'default outside required_version: newest allowed',
      'terraform',
      { 'repo/envs/prod/main.tf': tf('< 1.6') },
      '1.7.5',
      { source: 'required_version', version: '1.5.7' },
    ],
    ['nothing pinned: the default', 'terraform', {}, '1.6.6', { source: 'default', version: '1.6.6' }],
    [
      'nothing pinned: default constraint',
      'terraform',
      {},
      '~> 1.7.0',
      { source: 'default', version: '1.7.5' },
    ],
    [
      'nothing pinned, no default: latest stable',
      'terraform',
      {},
      undefined,
      { source: 'latest', version: '1.8.1' },
    ],
    [
      'tofu: .tofu file replaces the same-named .tf',
      'tofu',
      { 'repo/envs/prod/versions.tf': tf('< 1.6'), 'repo/envs/prod/versions.tofu': tf('>= 1.8') },
      undefined,
      { source: 'required_version', version: '1.8.1' },
    ],
    [
      'terraform ignores .tofu files',
      'terraform',
      { 'repo/envs/prod/versions.tf': tf('< 1.6'), 'repo/envs/prod/versions.tofu': tf('>= 1.8') },
      undefined,
      { source: 'required_version', version: '1.5.7' },
    ],
  ])('%s', async (_name, tool, files, def, expected) => {
    const got = await decide(tool, files, def);
    if ('error' in expected) {
      expect(got).toHaveProperty('error');
      for (const part of expected.error) expect((got as { error: string[] }).error[0]).toContain(part);
    } else {
      expect(got).toEqual(expected);
    }
  });
});

describe('conflicts and unparsable files are config errors naming the file', () => {
  it.each<[string, ToolName, Record<string, string>, string | undefined, string[]]>([
    [
      'pin violates required_version',
      'terraform',
      { 'repo/.terraform-version': '1.4.7', 'repo/envs/prod/main.tf': tf('>= 1.5') },
      undefined,
      ['.terraform-version selects terraform 1.4.7', 'required_version ">= 1.5" in envs/prod/main.tf'],
    ],
    [
      'pin violates one of two files',
      'terraform',
      {
        'repo/envs/prod/.terraform-version': '1.7.5',
        'repo/envs/prod/a.tf': tf('>= 1.5'),
        'repo/envs/prod/b.tf': tf('< 1.7'),
      },
      undefined,
      ['envs/prod/.terraform-version', 'envs/prod/b.tf'],
    ],
    [
      'latest pin violates required_version',
      'terraform',
      { 'repo/.terraform-version': 'latest', 'repo/envs/prod/main.tf': tf('< 1.6') },
      undefined,
      ['.terraform-version selects terraform 1.8.1', 'envs/prod/main.tf'],
    ],
    [
      'terragrunt pin violates terragrunt_version_constraint',
      'terragrunt',
      {
        'repo/.terragrunt-version': '0.66.9',
        'repo/envs/prod/terragrunt.hcl': 'terragrunt_version_constraint = ">= 0.67"\n',
      },
      undefined,
      ['.terragrunt-version', 'terragrunt_version_constraint', 'envs/prod/terragrunt.hcl'],
    ],
    [
      'required_version files contradict each other',
      'terraform',
      { 'repo/envs/prod/a.tf': tf('>= 1.7'), 'repo/envs/prod/b.tf': tf('< 1.6') },
      undefined,
      ['no terraform version matches', 'envs/prod/a.tf', 'envs/prod/b.tf'],
    ],
    [
      'unparsable .tf',
      'terraform',
      { 'repo/envs/prod/main.tf': 'terraform {\n  required_version = ">= 1.0"\n' },
      undefined,
      ['envs/prod/main.tf: cannot parse'],
    ],
    [
      'unparsable terragrunt.hcl',
      'terragrunt',
      { 'repo/envs/prod/terragrunt.hcl': 'inputs = {' },
      undefined,
      ['envs/prod/terragrunt.hcl: cannot parse'],
    ],
    [
      'unparsable .tf.json',
      'terraform',
      { 'repo/envs/prod/x.tf.json': '{nope' },
      undefined,
      ['envs/prod/x.tf.json: cannot parse'],
    ],
    [
      'bad required_version',
      'terraform',
      { 'repo/envs/prod/main.tf': tf('>= banana') },
      undefined,
      ['envs/prod/main.tf', 'required_version ">= banana"'],
    ],
    [
      'garbage .terraform-version',
      'terraform',
      { 'repo/envs/.terraform-version': 'banana' },
      undefined,
      ['envs/.terraform-version', '"banana"'],
    ],
    [
      'empty .terraform-version',
      'terraform',
      { 'repo/.terraform-version': '\n\n' },
      undefined,
      ['.terraform-version: the file is empty'],
    ],
    [
      'two lines in .terragrunt-version',
      'terragrunt',
      { 'repo/.terragrunt-version': '0.67.0\n0.66.9\n' },
      undefined,
      ['.terragrunt-version', 'single line'],
    ],
    [
      '.tool-versions line without version',
      'terraform',
      { 'repo/.tool-versions': 'terraform\n' },
      undefined,
      ['.tool-versions', 'names no version'],
    ],
    [
      '.tool-versions ref:',
      'terraform',
      { 'repo/.tool-versions': 'terraform ref:main\n' },
      undefined,
      ['.tool-versions', 'not supported'],
    ],
    [
      'invalid regex',
      'terraform',
      { 'repo/.terraform-version': 'latest:(' },
      undefined,
      ['.terraform-version'],
    ],
    [
      'exact pin no release has',
      'terraform',
      { 'repo/.terraform-version': 'latest:^9' },
      undefined,
      ['no terraform version matches .terraform-version'],
    ],
    ['invalid default', 'terraform', {}, 'newest', ['configured default terraform version "newest"']],
  ])('%s', async (_name, tool, files, def, parts) => {
    const got = await decide(tool, files, def);
    expect(got).toHaveProperty('error');
    for (const part of parts) expect((got as { error: string[] }).error[0]).toContain(part);
  });

  it('refuses a stack dir outside the repo', async () => {
    const repo = await makeRepo({});
    const det = await detectVersion('terraform', repo, path.join(repo, '..'));
    expect(det).toEqual({ ok: false, error: expect.stringContaining('outside the repo') });
  });

  it('does not follow a version-file symlink out of the repo', async () => {
    const repo = await makeRepo({ 'secret.txt': 'hunter2\n' });
    await symlink(path.join(repo, '..', 'secret.txt'), path.join(repo, '.terraform-version'));
    const det = await detectVersion('terraform', repo, path.join(repo, STACK));
    expect(det).toEqual({ ok: true, value: { constraints: [] } });
  });
});

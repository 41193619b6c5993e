import { describe, expect, it } from 'vitest';
import { discoverStackPaths, hasTerraformSource } from '../../src/adapters/git/stack-discovery.js';

const ROOT_TG = `
remote_state {
  backend = "s3"
  config = { bucket = "state" }
}
generate "provider" {
  path     = "provider.tf"
  contents = <<EOF
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
EOF
}
terraform {
  extra_arguments "vars" { commands = ["plan"] }
}
`;
const UNIT_TG = `include "root" { path = find_in_parent_folders() }
terraform { source = "../../modules//app" }
inputs = { name = "x" }`;

async function discover(files: Record<string, string>, ignorePaths: string[] = []): Promise<string[]> {
  return discoverStackPaths(Object.keys(files), {
    ignorePaths,
    readFile: async (p) => files[p] ?? null,
  });
}

describe('discoverStackPaths', () => {
  const cases: Array<[string, Record<string, string>, string[], string[]]> = [
    ['root stack', { 'main.tf': '', 'README.md': '' }, [], ['.']],
    [
      'nested stacks, sorted, root first',
      { 'main.tf': '', 'envs/prod/main.tf': '', 'envs/dev/main.tf': '', 'envs/dev/vars.tf': '' },
      [],
      ['.', 'envs/dev', 'envs/prod'],
    ],
    ['tf.json and tofu files count', { 'a/main.tf.json': '', 'b/main.tofu': '' }, [], ['a', 'b']],
    [
      'non-terraform files do not count',
      { 'docs/x.md': '', 'scripts/run.sh': '', 'a/vars.tfvars': '' },
      [],
      [],
    ],
    [
      'module folders are skipped',
      { 'modules/vpc/main.tf': '', 'stacks/app/modules/db/main.tf': '', 'stacks/app/main.tf': '' },
      [],
      ['stacks/app'],
    ],
    [
      'hidden and cache dirs are skipped',
      {
        '.terraform/modules/x/main.tf': '',
        'a/.terragrunt-cache/abc/main.tf': '',
        '.github/x.tf': '',
        'a/main.tf': '',
      },
      [],
      ['a'],
    ],
    [
      'files terraform ignores do not count',
      { 'a/.hidden.tf': '', 'b/#main.tf': '', 'c/main.tf~': '' },
      [],
      [],
    ],
    [
      'terragrunt parent vs units',
      {
        'live/terragrunt.hcl': ROOT_TG,
        'live/prod/app/terragrunt.hcl': UNIT_TG,
        'live/prod/db/terragrunt.hcl': UNIT_TG,
        'live/prod/env.hcl': 'locals {}',
      },
      [],
      ['live/prod/app', 'live/prod/db'],
    ],
    [
      'root.hcl is never a stack; a lone terragrunt.hcl is a unit',
      { 'root.hcl': ROOT_TG, 'app/terragrunt.hcl': 'include "root" {}', 'solo/terragrunt.hcl': '' },
      [],
      ['app', 'solo'],
    ],
    [
      'a terragrunt.hcl with children and its own source is a unit too',
      { 'terragrunt.hcl': UNIT_TG, 'child/terragrunt.hcl': UNIT_TG },
      [],
      ['.', 'child'],
    ],
    [
      'ignore_paths skip a dir and everything below it',
      {
        'envs/legacy/main.tf': '',
        'envs/legacy/old/main.tf': '',
        'envs/prod/main.tf': '',
        'sandbox/x/main.tf': '',
      },
      ['envs/legacy', 'sandbox/**'],
      ['envs/prod'],
    ],
    ['ignore_paths can drop the root', { 'main.tf': '', 'a/main.tf': '' }, ['.'], ['a']],
    [
      'ignore_paths with wildcards',
      { 'envs/a/main.tf': '', 'envs/b/main.tf': '', 'x/main.tf': '' },
      ['envs/*'],
      ['x'],
    ],
  ];
  it.each(cases)('%s', async (_name, files, ignore, expected) => {
    expect(await discover(files, ignore)).toEqual(expected);
  });
});

describe('hasTerraformSource', () => {
  it('sees a terraform source block, not a source inside a generated heredoc', async () => {
    expect(await hasTerraformSource(UNIT_TG)).toBe(true);
    expect(await hasTerraformSource(ROOT_TG)).toBe(false);
  });
  it('falls back to a textual check when the file does not parse', async () => {
    expect(await hasTerraformSource('terraform {\n source = "x"\n}\n inputs = {')).toBe(true);
    expect(await hasTerraformSource('locals { a = ')).toBe(false);
  });
});

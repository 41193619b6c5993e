import { describe, expect, it } from 'vitest';
import {
  parseConstraint,
  parseVersionSpec,
  pickVersion,
  satisfiesAll,
  toSemverRange,
} from '../../src/adapters/versions/version-spec.js';

const range = (text: string) => toSemverRange(parseConstraint(text)!);
const sat = (version: string, ...constraints: string[]) =>
  satisfiesAll(
    version,
    constraints.map((c) => parseConstraint(c)!),
  );

describe('Terraform constraint → semver range', () => {
  it.each([
    ['~> 1.0', '>=1.0.0 <2.0.0'],
    ['~> 1.0.4', '>=1.0.4 <1.1.0'],
    ['~> 1', '>=1.0.0'],
    ['~>0.12.29', '>=0.12.29 <0.13.0'],
    ['>= 1.2', '>=1.2.0'],
    ['>= 1.2, < 2.0', '>=1.2.0 <2.0.0'],
    ['1.5.7', '=1.5.7'],
    ['= 1.5', '=1.5.0'],
    ['> 1.0.0, <= 1.4.2', '>1.0.0 <=1.4.2'],
    ['v1.3.0', '=1.3.0'],
    ['!= 1.3.0', '*'],
    ['>= 1.0, != 1.3.0', '>=1.0.0'],
  ])('%s → %s', (text, expected) => {
    expect(range(text)).toBe(expected);
  });

  it.each(['', '>=', '>= 1.x', '1.2.3.4', '>= 1.0,', '~> foo', '=> 1.0', '>= $' + '{var.v}'])(
    'rejects %j',
    (text) => {
      expect(parseConstraint(text)).toBeUndefined();
    },
  );
});

describe('satisfiesAll', () => {
  it.each([
    ['1.9.8', ['~> 1.0'], true],
    ['2.0.0', ['~> 1.0'], false],
    ['1.0.9', ['~> 1.0.4'], true],
    ['1.1.0', ['~> 1.0.4'], false],
    ['1.0.3', ['~> 1.0.4'], false],
    ['1.3.0', ['>= 1.0, != 1.3.0'], false],
    ['1.3.1', ['>= 1.0, != 1.3.0'], true],
    ['1.5.7', ['>= 1.2', '< 1.6'], true],
    ['1.6.0', ['>= 1.2', '< 1.6'], false],
    // Pre-releases only when a condition names them exactly with `=`.
    ['1.6.0-rc1', ['>= 1.5'], false],
    ['2.0.0-alpha1', ['< 2.0.0'], false],
    ['1.6.0-rc1', ['= 1.6.0-rc1'], true],
    ['1.6.0-rc1', ['1.6.0-rc1', '>= 1.5'], true],
    ['1.6.0-rc2', ['= 1.6.0-rc1'], false],
    ['1.5.7', [], true],
  ] as const)('%s vs %j → %s', (version, constraints, expected) => {
    expect(sat(version, ...constraints)).toBe(expected);
  });
});

describe('parseVersionSpec', () => {
  it.each([
    ['1.5.7', { kind: 'exact', version: '1.5.7' }],
    ['v1.5.7\n', { kind: 'exact', version: '1.5.7' }],
    ['1.6.0-beta2', { kind: 'exact', version: '1.6.0-beta2' }],
    ['latest', { kind: 'latest', prerelease: false }],
    ['latest-pre', { kind: 'latest', prerelease: true }],
    ['latest-allowed', { kind: 'latest-allowed' }],
    ['min-required', { kind: 'min-required' }],
    ['system', { kind: 'system' }],
  ])('%j', (text, expected) => {
    expect(parseVersionSpec(text)).toEqual(expected);
  });

  it('reads regex keywords, partial versions and constraints', () => {
    expect(parseVersionSpec('latest:^1\\.5')).toMatchObject({ kind: 'latest-regex' });
    expect(parseVersionSpec('min:^1\\.5')).toMatchObject({ kind: 'min-regex' });
    const partial = parseVersionSpec('1.5');
    expect(partial?.kind === 'constraint' && toSemverRange(partial.constraint)).toBe('>=1.5.0 <1.6.0');
    const constraint = parseVersionSpec('>= 1.4, < 1.6');
    expect(constraint?.kind === 'constraint' && toSemverRange(constraint.constraint)).toBe('>=1.4.0 <1.6.0');
  });

  it.each(['', 'banana', 'latest:(', 'min:[', '1.2.3.4'])('rejects %j', (text) => {
    expect(parseVersionSpec(text)).toBeUndefined();
  });
});

describe('pickVersion', () => {
  const available = ['1.4.7', '1.5.0', '1.5.7', '1.6.0-rc1', '1.6.0', '1.7.5', '1.8.0-alpha1', 'junk'];
  const pick = (text: string, constraints: string[] = []) =>
    pickVersion(
      parseVersionSpec(text)!,
      available,
      constraints.map((c) => parseConstraint(c)!),
    );

  it.each([
    ['latest', [], '1.7.5'],
    ['latest-pre', [], '1.8.0-alpha1'],
    ['latest:^1\\.5', [], '1.5.7'],
    ['min:^1\\.5', [], '1.5.0'],
    ['latest:^1\\.6', [], '1.6.0'],
    ['latest:rc', [], '1.6.0-rc1'],
    ['latest-allowed', ['~> 1.5.0'], '1.5.7'],
    ['min-required', ['>= 1.5'], '1.5.0'],
    ['~> 1.5', [], '1.7.5'],
    ['~> 1.5.0', [], '1.5.7'],
    ['1.6', [], '1.6.0'],
    ['= 1.6.0-rc1', [], '1.6.0-rc1'],
    ['>= 2.0', [], undefined],
    ['latest:^9', [], undefined],
  ] as const)('%s (constraints %j) → %s', (text, constraints, expected) => {
    expect(pick(text, [...constraints])).toBe(expected);
  });
});

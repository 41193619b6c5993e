import { describe, expect, it } from 'vitest';
import { classifyPlan } from '../../src/domain/classify-plan.js';
import { readCase } from '../support/terraform-fixtures.js';

type Json = Record<string, unknown>;
const plan = (doc: Json) => JSON.stringify({ format_version: '1.2', terraform_version: '1.11.4', ...doc });
const change = (address: string, actions: string[], before: unknown, after: unknown, extra: Json = {}) => ({
  address,
  mode: 'managed',
  change: { actions, before, after, after_unknown: {}, ...((extra.change as Json) ?? {}) },
  ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'change')),
});

describe('classifyPlan edge cases', () => {
  it('exit 0 with drift on an attribute the config does not set is drifted (drift kind)', () => {
    const doc = plan({
      resource_drift: [
        change('aws_s3_bucket.b', ['update'], { tags: { env: 'prod' } }, { tags: { env: 'dev' } }),
      ],
      resource_changes: [
        change('aws_s3_bucket.b', ['no-op'], { tags: { env: 'dev' } }, { tags: { env: 'dev' } }),
      ],
    });
    const result = classifyPlan({ planJson: doc, exitCode: 0 });
    expect(result.status).toBe('drifted');
    expect(result.kinds).toEqual(['drift']);
    expect(result.resources).toEqual([
      { address: 'aws_s3_bucket.b', actions: ['update'], kind: 'drift', changedAttributes: ['tags.env'] },
    ]);
    expect(JSON.stringify(result)).not.toContain('prod');
  });

  it('a change that only reverts drift is not unapplied code (fixture 10)', () => {
    const result = classifyPlan({
      planJson: readCase('10-tf1.5-drift-simple-not-shown-in-text', 'plan.json'),
      exitCode: 2,
    });
    expect(result.kinds).toEqual(['drift']);
    expect(result.resources).toHaveLength(1);
    expect(result.resources[0]).toMatchObject({ kind: 'drift_reverted', changedAttributes: ['string'] });
    expect(result.summary).toMatchObject({ change: 1, drifted: 1 });
  });

  it('drift plus a code change on the same resource: drift_reverted and unapplied (fixture 11)', () => {
    const result = classifyPlan({
      planJson: readCase('11-tf1.5-drift-plus-code-change', 'plan.json'),
      exitCode: 2,
    });
    expect(result.kinds).toEqual(['drift', 'unapplied']);
    expect(result.resources.map((r) => [r.address, r.kind])).toEqual([
      ['tfcoremock_simple_resource.base', 'drift_reverted'],
      ['tfcoremock_simple_resource.base', 'unapplied'],
      ['tfcoremock_simple_resource.dependent', 'unapplied'],
    ]);
  });

  it('outputs only are unapplied, with the outputs listed (fixture 18)', () => {
    const result = classifyPlan({ planJson: readCase('18-tf1.5-outputs-only', 'plan.json'), exitCode: 2 });
    expect(result.kinds).toEqual(['unapplied']);
    expect(result.resources).toEqual([]);
    expect(result.summary.outputs).toBe(5);
    expect(result.outputs[0]).toEqual({ name: 'list_empty_default', actions: ['create'] });
  });

  it('a moved block only is an unapplied move (fixture 19)', () => {
    const result = classifyPlan({
      planJson: readCase('19-tf1.5-moved-only-normal-plan', 'plan.json'),
      exitCode: 2,
    });
    expect(result.kinds).toEqual(['unapplied']);
    expect(result.resources).toEqual([
      {
        address: 'tfcoremock_simple_resource.second',
        previousAddress: 'tfcoremock_simple_resource.first',
        actions: ['no-op'],
        kind: 'move',
        changedAttributes: [],
      },
    ]);
    expect(result.summary).toMatchObject({ add: 0, change: 0, destroy: 0, move: 1 });
  });

  it('ignores 0.12 output actions but counts them from 0.14 on (fixture 01)', () => {
    const text = readCase('01-tf0.12-all-noop-output-quirk', 'plan.json');
    expect(classifyPlan({ planJson: text, exitCode: 0 }).status).toBe('in_sync');
    const newer = JSON.stringify({ ...JSON.parse(text), terraform_version: '0.14.0' });
    const result = classifyPlan({ planJson: newer, exitCode: 2 });
    expect(result.kinds).toEqual(['unapplied']);
    expect(result.summary.outputs).toBe(8);
  });

  it('an errored plan is an error that keeps the versions and diagnostics (fixture 24)', () => {
    const stderr =
      '╷\n│ Error: Resource precondition failed\n│\n│   on main.tf line 9, in resource "x" "y":\n│    9:     condition = false\n│\n│ nope\n╵\n';
    const result = classifyPlan({
      planJson: readCase('24-tofu-golden-errored-plan', 'output.json'),
      exitCode: 1,
      diagnosticsText: stderr,
    });
    expect(result.status).toBe('error');
    expect(result.formatVersion).toBe('1.2');
    expect(result.error).toContain('Resource precondition failed');
    expect(result.diagnostics).toEqual([
      {
        severity: 'error',
        summary: 'Resource precondition failed',
        file: 'main.tf',
        line: 9,
        detail: 'nope',
      },
    ]);
  });

  it('exit code 1 is an error even when the JSON looks clean', () => {
    const result = classifyPlan({
      planJson: plan({}),
      exitCode: 1,
      diagnosticsText: 'Error: Backend initialization required\n',
    });
    expect(result.status).toBe('error');
    expect(result.error).toBe('the plan failed (exit code 1): Backend initialization required');
  });

  it.each([
    [
      'an unknown major format_version',
      JSON.stringify({ format_version: '2.0', resource_changes: [] }),
      /format_version "2.0"/,
    ],
    ['no format_version', JSON.stringify({ resource_changes: [] }), /no format_version/],
    ['a state document', JSON.stringify({ format_version: '1.0', values: {} }), /state/],
    ['not an object', '[1,2]', /not a JSON object/],
    ['invalid JSON', '{"format_version": "1.2",', /not valid JSON/],
  ])('rejects %s', (_name, planJson, message) => {
    const result = classifyPlan({ planJson, exitCode: 0 });
    expect(result.status).toBe('error');
    expect(result.error).toMatch(message);
  });

  it('accepts format 0.x and an HCP redacted plan (plan_format_version)', () => {
    expect(classifyPlan({ planJson: JSON.stringify({ format_version: '0.1' }), exitCode: 0 }).status).toBe(
      'in_sync',
    );
    const hcp = classifyPlan({
      planJson: readCase('32-hcp-redacted-plan-drift-deleted', 'plan-redacted.json'),
      exitCode: null,
    });
    expect(hcp.formatVersion).toBe('1.1');
    expect(hcp.resources[0]).toMatchObject({
      address: 'tfcoremock_simple_resource.example',
      actions: ['delete'],
    });
  });

  it('counts imports, replaces and reads; tolerates unknown keys and missing arrays', () => {
    const doc = plan({
      something_new: { x: 1 },
      resource_changes: [
        change(
          'a.imported',
          ['no-op'],
          { id: 'i-1' },
          { id: 'i-1' },
          { change: { importing: { id: 'i-1' } } },
        ),
        change(
          'a.replaced',
          ['create', 'delete'],
          { size: 1 },
          { size: 2 },
          { action_reason: 'replace_because_cannot_update' },
        ),
        change('data.a.read', ['read'], null, {}, { mode: 'data' }),
        { address: 'broken' },
        'junk',
      ],
    });
    const result = classifyPlan({ planJson: doc, exitCode: 2 });
    expect(result.summary).toEqual({
      add: 1,
      change: 0,
      destroy: 1,
      import: 1,
      move: 0,
      drifted: 0,
      outputs: 0,
    });
    expect(result.resources.map((r) => r.kind)).toEqual(['import', 'unapplied', 'unapplied']);
    expect(result.resources[1]).toMatchObject({
      changedAttributes: ['size'],
      reason: 'replace_because_cannot_update',
    });
  });

  it('a no-op drift entry with previous_address is a move seen by refresh-only, not drift (fixture 13)', () => {
    const result = classifyPlan({
      planJson: readCase('13-tf1.5-refresh-only-moved-no-drift', 'plan.json'),
      exitCode: 0,
    });
    expect(result.status).toBe('in_sync');
  });

  it('formats nested keys that are not identifiers with brackets, never values', () => {
    const doc = plan({
      resource_changes: [
        change('k.x', ['update'], { labels: { 'app.io/team': 'a' } }, { labels: { 'app.io/team': 'b' } }),
      ],
    });
    const result = classifyPlan({ planJson: doc, exitCode: 2 });
    expect(result.resources[0]?.changedAttributes).toEqual(['labels["app.io/team"]']);
  });
});

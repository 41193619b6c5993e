import { describe, expect, it } from 'vitest';
import { redactPlanJson, redactPlanText } from '../../src/domain/redact.js';
import { readCase } from '../support/terraform-fixtures.js';

const fixture27 = readCase('27-tf1.7.5-sensitive-replace', 'terraform.tfplan.json');
const SECRETS_27 = ['hxk5iA==', '87193988'];

describe('redactPlanText', () => {
  it('masks values fixture 27 marks sensitive wherever they appear', () => {
    const text = [
      '  # random_bytes.test must be replaced',
      '-/+ resource "random_bytes" "test" {',
      '      ~ base64 = "hxk5iA==" -> (known after apply)',
      '      ~ hex    = "87193988" -> (known after apply)',
      'debug: value=87193988 and hxk5iA== again',
    ].join('\n');
    const out = redactPlanText(text, { planJson: fixture27 });
    for (const secret of SECRETS_27) expect(out).not.toContain(secret);
    expect(out).toContain('~ base64 = "(sensitive value)" -> (known after apply)');
    expect(out).toContain('random_bytes.test must be replaced');
  });

  it('masks sensitive outputs and ignores a plan that is not JSON', () => {
    const planJson = readCase('33-tf1.3.7-stream-outputs-sensitive', 'plan-redacted.json');
    const hash = '8517896e47af3c9ca19a694ea0d6cc30b0dccf08598f33d93e583721fd5f3032';
    expect(redactPlanText(`secret = ${hash}`, { planJson })).not.toContain(hash);
    expect(redactPlanText('plain text', { planJson: '{not json' })).toBe('plain text');
  });

  it.each([
    ['GitHub classic token', 'token ghp_abcdefghijklmnopqrstuvwxyz0123456789 used', 'ghp_abcdef'],
    [
      'GitHub fine-grained token',
      'x github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz y',
      'github_pat_11',
    ],
    ['GitHub app token', 'ghs_0123456789abcdefghijABCDEFGHIJ', 'ghs_0123'],
    ['AWS access key id', 'key AKIAIOSFODNN7EXAMPLE here', 'AKIAIOSFODNN7EXAMPLE'],
    ['Bearer header', 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig', 'eyJhbGci'],
    ['quoted password assignment', '  + password = "hunter2-secret"', 'hunter2'],
    ['quoted update', '  ~ db_token = "old-value" -> "new-value"', 'new-value'],
    ['JSON secret key', '{"client_secret": "s3cr3t-value"}', 's3cr3t-value'],
    ['env-style assignment', 'DB_PASSWORD=pa55word123', 'pa55word123'],
    ['basic auth URL', 'cloning https://bot:tok3n-value@git.example.com/x.git', 'tok3n-value'],
  ])('masks a %s', (_name, text, secret) => {
    const out = redactPlanText(text);
    expect(out).not.toContain(secret);
    expect(out).toContain('***');
  });

  it('masks whole PEM private key blocks, even cut off', () => {
    const key =
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAabc\nQWERTY123456\n-----END RSA PRIVATE KEY-----';
    const out = redactPlanText(`before\n${key}\nafter`);
    expect(out).not.toMatch(/MIIEp|QWERTY/);
    expect(out).toContain('before');
    expect(out).toContain('after');
    expect(redactPlanText('-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg')).not.toContain('MIIEvQ');
  });

  it('keeps Terraform placeholders and ordinary text readable', () => {
    const text =
      '  + password = (sensitive value)\n  + token    = (known after apply)\n[id=arn:aws:secretsmanager:eu-west-1:1:secret:x]';
    expect(redactPlanText(text)).toBe(text);
  });

  it('masks literal secrets, also JSON-escaped', () => {
    const out = redactPlanText('a "quo\\"ted" b plain-secret c', {
      secrets: ['quo"ted', 'plain-secret', ''],
    });
    expect(out).toBe('a "***" b *** c');
  });

  it('strips ANSI colour and OSC sequences', () => {
    const out = redactPlanText(
      '\u001b[1m\u001b[32m+\u001b[0m create \u001b]8;;http://x\u0007link\u001b]8;;\u0007',
    );
    expect(out).toBe('+ create link');
  });

  it('caps the size on a UTF-8 boundary with a note', () => {
    const text = 'é€😀'.repeat(5000);
    const out = redactPlanText(text, { maxBytes: 1000 });
    expect(Buffer.byteLength(out, 'utf8')).toBeLessThanOrEqual(1000);
    expect(out).toContain('[driftd: plan output truncated at 1000 bytes]');
    expect(out).not.toContain('\uFFFD');
    expect(Buffer.from(out, 'utf8').toString('utf8')).toBe(out);
    expect(redactPlanText('short', { maxBytes: 1000 })).toBe('short');
  });

  it('defaults to a 1 MiB cap', () => {
    const out = redactPlanText('a'.repeat(2 * 1024 * 1024));
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(1024 * 1024);
  });
});

describe('redactPlanJson', () => {
  it('replaces the sensitive values of fixture 27 and keeps the rest', () => {
    const out = redactPlanJson(fixture27)!;
    for (const secret of SECRETS_27) expect(out).not.toContain(secret);
    const doc = JSON.parse(out);
    expect(doc.resource_changes[0].change.before).toEqual({
      base64: '(sensitive value)',
      hex: '(sensitive value)',
      keepers: null,
      length: 4,
    });
    expect(doc.prior_state.values.root_module.resources[0].values.length).toBe(4);
  });

  it('redacts sensitive outputs and variables, and refuses non-JSON', () => {
    const doc = {
      format_version: '1.2',
      variables: { db_pass: { value: 'top-secret-1' }, region: { value: 'eu-west-1' } },
      configuration: { root_module: { variables: { db_pass: { sensitive: true } } } },
      planned_values: { outputs: { conn: { sensitive: true, value: 'top-secret-2' } } },
    };
    const out = redactPlanJson(JSON.stringify(doc))!;
    expect(out).not.toMatch(/top-secret/);
    expect(out).toContain('eu-west-1');
    expect(redactPlanJson('nope')).toBeNull();
  });
});

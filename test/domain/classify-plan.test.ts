import { describe, expect, it } from 'vitest';
import { classifyPlan } from '../../src/domain/classify-plan.js';
import { caseFolders, jsonPlanFiles, listCase, readCase, readIndex } from '../support/terraform-fixtures.js';

const index = readIndex();
const rowOf = (folder: string) => index.find((r) => r.folder === folder);
/** Cases with no JSON plan document: `plan -json` streams and human text. */
const STREAM_FILES = ['plan.log'];
const TEXT_FILES = [
  'changes.txt',
  'error_planning.txt',
  'plan.log',
  'exp-output-plan-again.txt',
  '01-overview.md',
];

describe('INDEX.md covers every fixture folder', () => {
  it('has a row per folder and the classifier test handles every row', () => {
    expect(index.length).toBeGreaterThanOrEqual(39);
    expect(caseFolders().sort()).toEqual(index.map((r) => r.folder).sort());
  });
});

describe('classifyPlan over every JSON plan fixture', () => {
  const jsonCases = index.flatMap((row) => jsonPlanFiles(row.folder).map((file) => ({ row, file })));
  it('finds the JSON plan documents', () => expect(jsonCases.length).toBeGreaterThanOrEqual(32));

  it.each(jsonCases.map((c) => [`${c.row.folder}/${c.file}`, c] as const))('%s matches INDEX.md', (_n, c) => {
    const { row, file } = c;
    const planJson = readCase(row.folder, file);
    const expected = row.verdict!;
    const result = classifyPlan({ planJson, exitCode: row.exitCode });
    expect({ status: result.status, kinds: result.kinds }).toEqual(expected);
    if (expected.status === 'error') expect(result.error).toBeTruthy();
    else {
      // Classified from the JSON whatever the exit code says.
      for (const exitCode of [0, 2, null]) {
        const again = classifyPlan({ planJson, exitCode });
        expect({ status: again.status, kinds: again.kinds }).toEqual(expected);
      }
      expect(classifyPlan({ planJson, exitCode: 1 }).status).toBe('error');
    }
  });
});

describe('cases without a JSON plan document (documented handling)', () => {
  // classifyPlan takes JSON plans. A `plan -json` stream given as planJson is an error that keeps its
  // diagnostics; human text is passed as diagnosticsText with planJson null: error, with the boxed
  // diagnostics when the plan failed, else "no JSON plan to classify".
  const textOnly = index.filter((r) => r.verdict !== null && jsonPlanFiles(r.folder).length === 0);

  it.each(textOnly.map((r) => [r.folder, r] as const))(
    '%s: error, diagnostics kept when it failed',
    (_n, row) => {
      const files = listCase(row.folder);
      const stream = STREAM_FILES.find((f) => files.includes(f) && readCase(row.folder, f).startsWith('{'));
      const result = stream
        ? classifyPlan({ planJson: readCase(row.folder, stream), exitCode: row.exitCode })
        : classifyPlan({
            planJson: null,
            exitCode: row.exitCode,
            diagnosticsText: readCase(row.folder, TEXT_FILES.find((f) => files.includes(f))!),
          });
      expect(result.status).toBe('error');
      if (row.verdict!.status === 'error') {
        expect(result.diagnostics.length).toBeGreaterThan(0);
        expect(result.error).toContain(result.diagnostics[0]!.summary);
      } else expect(result.error).toMatch(/JSON plan/);
    },
  );

  it('35: keeps summary, address, file and line of the boxed Error', () => {
    const text = readCase('35-human-planning-failed', 'error_planning.txt');
    const result = classifyPlan({ planJson: null, exitCode: 1, diagnosticsText: text });
    expect(result.diagnostics).toEqual([
      {
        severity: 'error',
        summary: '401 Unauthorized: Unauthorized',
        address: 'module.mod.env.this',
        file: '../modules/mod1/environment.tf',
        line: 1,
      },
    ]);
  });

  it('31: a stream keeps its error diagnostic with file and line', () => {
    const result = classifyPlan({
      planJson: readCase('31-tf1.3.7-stream-error-diagnostic', 'plan.log'),
      exitCode: 1,
    });
    expect(result.diagnostics[0]).toMatchObject({
      severity: 'error',
      summary: 'Unsupported block type',
      file: 'main.tf',
      line: 2,
    });
  });

  it('39: checksum data is not a plan', () => {
    expect(rowOf('39-hashicorp-sha256sums-1.7.5')?.verdict).toBeNull();
  });
});

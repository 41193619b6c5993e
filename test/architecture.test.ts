import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Layering rules (STYLE.md §2.1), checked on the import specifiers of every file under src:
 * - src/domain imports only src/domain: no packages, no node: modules;
 * - src/ports imports only src/domain and src/ports, and no package at all (not even `import type`);
 * - an adapter folder imports domain, ports, itself and src/adapters/shared: never another adapter
 *   folder, never src/app, except `import type` from src/app/use-cases and src/app/read-models in the
 *   http and cron adapters;
 * - src/adapters/shared (support code for every adapter) imports only node: built-ins, src/domain and
 *   itself: no other adapter folder, no src/ports, no src/app, no package;
 * - only src/app/container and src/app/main import awilix, or (within src/app) concrete adapters.
 * Also: domain code does not read the clock, randomness or the process.
 */

const ROOT = path.resolve(import.meta.dirname, '..');

interface ImportRef {
  readonly specifier: string;
  readonly typeOnly: boolean;
  readonly line: number;
}

/** Static imports, re-exports, `import x = require()`, dynamic `import()` and `import('x')` types. */
function importsOf(fileName: string, text: string): ImportRef[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const refs: ImportRef[] = [];
  const add = (spec: ts.Node | undefined, typeOnly: boolean) => {
    if (spec && ts.isStringLiteralLike(spec)) {
      const line = source.getLineAndCharacterOfPosition(spec.getStart()).line + 1;
      refs.push({ specifier: spec.text, typeOnly, line });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, node.importClause?.isTypeOnly === true);
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument))
      add(node.argument.literal, true);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return refs;
}

type Zone =
  | { kind: 'domain' | 'ports' | 'other' }
  | { kind: 'adapter'; tech: string | null }
  | { kind: 'app'; part: string };

/** `file` is repo-relative with forward slashes. */
function zoneOf(file: string): Zone {
  const parts = file.split('/');
  if (parts[0] !== 'src') return { kind: 'other' };
  if (parts[1] === 'domain') return { kind: 'domain' };
  if (parts[1] === 'ports') return { kind: 'ports' };
  if (parts[1] === 'adapters') return { kind: 'adapter', tech: parts.length > 3 ? parts[2]! : null };
  if (parts[1] === 'app')
    return { kind: 'app', part: parts.length > 3 ? parts[2]! : parts[2]!.replace(/\.[mc]?[jt]s$/, '') };
  return { kind: 'other' };
}

const TYPE_ENTRY_FROM_APP = new Set(['use-cases', 'read-models']);
const DELIVERY_ADAPTERS = new Set(['http', 'cron']);
const SHARED_ADAPTER = 'shared';

/** What is wrong with one import, or null. */
function ruleBroken(file: string, ref: ImportRef): string | null {
  const from = zoneOf(file);
  const relative = ref.specifier.startsWith('.');
  const target = relative ? path.posix.join(path.posix.dirname(file), ref.specifier) : null;
  const to = target === null ? null : zoneOf(target);
  const isAwilix = ref.specifier === 'awilix' || ref.specifier.startsWith('awilix/');
  const composition = from.kind === 'app' && (from.part === 'container' || from.part === 'main');
  if (isAwilix && !composition) return 'only src/app/container and src/app/main may import awilix';
  if (from.kind === 'domain' && to?.kind !== 'domain') return 'src/domain may import only src/domain';
  if (from.kind === 'ports' && to === null) return 'src/ports may not import packages, not even types';
  if (from.kind === 'ports' && to?.kind !== 'domain' && to?.kind !== 'ports') {
    return 'src/ports may import only src/domain and src/ports';
  }
  if (from.kind === 'adapter' && from.tech === SHARED_ADAPTER) return sharedRule(to, ref);
  if (from.kind === 'adapter' && to !== null) return adapterRule(from.tech, to, ref);
  if (from.kind === 'app' && !composition && to?.kind === 'adapter') {
    return 'only src/app/container and src/app/main may import concrete adapters';
  }
  return null;
}

function adapterRule(tech: string | null, to: Zone, ref: ImportRef): string | null {
  if (to.kind === 'domain' || to.kind === 'ports') return null;
  if (to.kind === 'adapter') {
    return to.tech === tech || to.tech === SHARED_ADAPTER
      ? null
      : 'an adapter folder may not import another adapter folder';
  }
  if (to.kind === 'app' && tech !== null && DELIVERY_ADAPTERS.has(tech) && TYPE_ENTRY_FROM_APP.has(to.part)) {
    return ref.typeOnly
      ? null
      : 'http/cron adapters may use src/app/use-cases and read-models with `import type` only';
  }
  return 'adapters may import only src/domain, src/ports and their own folder';
}

function sharedRule(to: Zone | null, ref: ImportRef): string | null {
  if (to === null) {
    return ref.specifier.startsWith('node:') ? null : 'src/adapters/shared may import no package';
  }
  if (to.kind === 'domain' || (to.kind === 'adapter' && to.tech === SHARED_ADAPTER)) return null;
  return 'src/adapters/shared may import only node: built-ins, src/domain and itself';
}

/** Clock, randomness and process access in domain code. */
function impurities(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const at = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node)) {
      const text = `${node.expression.getText()}.${node.name.text}`;
      if (text === 'Date.now' || text === 'Math.random' || text === 'performance.now')
        found.push(`${at(node)}: ${text}`);
    }
    if (ts.isNewExpression(node) && node.expression.getText() === 'Date' && !node.arguments?.length) {
      found.push(`${at(node)}: new Date()`);
    }
    if (ts.isIdentifier(node) && ['process', 'require', 'setTimeout', 'setInterval'].includes(node.text)) {
      const parent = node.parent;
      const isMemberName = ts.isPropertyAccessExpression(parent) && parent.name === node;
      if (!isMemberName && !ts.isPropertySignature(parent) && !ts.isPropertyAssignment(parent)) {
        found.push(`${at(node)}: ${node.text}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every broken rule in one file, as `file:line imports 'x': why`. */
function violationsIn(file: string, text: string): string[] {
  const out = importsOf(file, text).flatMap((ref) => {
    const why = ruleBroken(file, ref);
    const kind = ref.typeOnly ? 'imports type from' : 'imports';
    return why === null ? [] : [`${file}:${ref.line} ${kind} '${ref.specifier}': ${why}`];
  });
  if (zoneOf(file).kind === 'domain') {
    out.push(
      ...impurities(file, text).map(
        (i) => `${file}:${i}: the domain takes time, ids and randomness as arguments`,
      ),
    );
  }
  return out;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.[mc]?ts$/.test(e.name))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

describe('architecture', () => {
  it('every file under src keeps the layering rules', async () => {
    const files = await sourceFiles(path.join(ROOT, 'src'));
    expect(files.length).toBeGreaterThan(10);
    const violations: string[] = [];
    for (const file of files)
      violations.push(...violationsIn(file, await readFile(path.join(ROOT, file), 'utf8')));
    expect(violations, `layering violations:\n${violations.join('\n')}`).toEqual([]);
  });

  describe('the scanner itself (so the check above can fail)', () => {
    it.each([
      [
        'src/domain/x.ts',
        "import { readFile } from 'node:fs';",
        "imports 'node:fs': src/domain may import only src/domain",
      ],
      ['src/domain/x.ts', "import type { Z } from 'zod';", 'src/domain may import only src/domain'],
      [
        'src/domain/x.ts',
        "export { q } from '../ports/job-queue.port.js';",
        'src/domain may import only src/domain',
      ],
      ['src/ports/a.port.ts', "import type { Redis } from 'ioredis';", 'src/ports may not import packages'],
      [
        'src/ports/a.port.ts',
        "import type { C } from '../app/config/types.js';",
        'may import only src/domain and src/ports',
      ],
      [
        'src/adapters/redis/q.ts',
        "import { x } from '../memory/memory-job-queue.js';",
        'another adapter folder',
      ],
      [
        'src/adapters/redis/q.ts',
        "import type { C } from '../../app/config/types.js';",
        'adapters may import only',
      ],
      [
        'src/adapters/http/r.ts',
        "import { s } from '../../app/use-cases/use-cases.js';",
        'with `import type` only',
      ],
      [
        'src/adapters/http/r.ts',
        "const m = await import('../fs/fs-result-store.js');",
        'another adapter folder',
      ],
      [
        'src/adapters/shared/l.ts',
        "import { withGit } from '../git/git-runner.js';",
        'src/adapters/shared may import only',
      ],
      [
        'src/adapters/shared/l.ts',
        "import type { C } from '../../app/config/types.js';",
        'src/adapters/shared may import only',
      ],
      [
        'src/adapters/shared/l.ts',
        "import type { JobQueue } from '../../ports/job-queue.port.js';",
        'src/adapters/shared may import only',
      ],
      ['src/adapters/shared/l.ts', "import { execa } from 'execa';", 'may import no package'],
      ['src/adapters/git/g.ts', "import { x } from '../shared/../redis/keys.js';", 'another adapter folder'],
      ['src/app/use-cases/s.ts', "import { asValue } from 'awilix';", 'may import awilix'],
      ['src/adapters/redis/q.ts', "import { createContainer } from 'awilix';", 'may import awilix'],
      [
        'src/app/use-cases/s.ts',
        "import { RedisJobQueue } from '../../adapters/redis/redis-job-queue.js';",
        'concrete adapters',
      ],
      ['src/domain/clock.ts', 'export const now = () => Date.now();', '1: Date.now'],
      ['src/domain/clock.ts', 'export const id = () => Math.random();', '1: Math.random'],
    ])('flags %s: %s', (file, text, expected) => {
      const found = violationsIn(file, text);
      expect(found).toHaveLength(1);
      expect(found[0]).toContain(expected);
    });

    it.each([
      ['src/domain/x.ts', "import { ok } from './result.js';\n// import x from 'node:fs'"],
      ['src/ports/a.port.ts', "import type { JobId } from '../domain/ids.js';"],
      ['src/adapters/http/r.ts', "import type { UseCases } from '../../app/use-cases/use-cases.js';"],
      ['src/adapters/cron/c.ts', "import type { RepoView } from '../../app/read-models.js';"],
      ['src/adapters/redis/q.ts', "import { Redis } from 'ioredis';\nimport { k } from './keys.js';"],
      ['src/adapters/git/f.ts', "import { withFileLock } from '../shared/file-lock.js';"],
      ['src/adapters/terraform/p.ts', "import type { FileLock } from '../shared/file-lock.js';"],
      [
        'src/adapters/shared/l.ts',
        "import { open } from 'node:fs/promises';\nimport { DriftdError } from '../../domain/errors.js';\nimport { x } from './y.js';",
      ],
      [
        'src/app/container/serve.ts',
        "import { createContainer } from 'awilix';\nimport '../../adapters/redis/x.js';",
      ],
      [
        'src/app/main/serve.ts',
        "import { MemoryJobQueue } from '../../adapters/memory/memory-job-queue.js';",
      ],
      ['src/domain/x.ts', "const s = 'Date.now()';\nexport const at = (now: number) => new Date(now);"],
    ])('allows %s: %s', (file, text) => {
      expect(violationsIn(file, text)).toEqual([]);
    });
  });
});

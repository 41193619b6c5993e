import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LUA_DIR, readScripts } from '../../../src/adapters/redis/load-scripts.js';
import {
  JOB_FIELDS,
  JOB_READ_FIELDS,
  TASK_FIELDS,
  TASK_STATE_FIELDS,
} from '../../../src/adapters/redis/records.js';
import { SCRIPT_CODES } from '../../../src/adapters/redis/script-errors.js';

/** Checks the Lua scripts against the house rules and against their TypeScript side (no Redis needed). */
const scripts = readScripts();
const typed = readFileSync(new URL('../../../src/adapters/redis/load-scripts.ts', import.meta.url), 'utf8');

function luaList(lua: string, name: string): string[] | null {
  const m = new RegExp(`local ${name} = \\{([^}]*)\\}`).exec(lua);
  return m ? [...m[1]!.matchAll(/'([^']+)'/g)].map((x) => x[1]!) : null;
}

describe('redis lua scripts', () => {
  it('finds the scripts next to load-scripts', () => {
    expect(LUA_DIR.endsWith('/lua/')).toBe(true);
    expect(scripts.length).toBeGreaterThanOrEqual(10);
  });

  it('refuses two scripts of one name (a renamed script left next to its successor)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftd-lua-'));
    try {
      writeFileSync(join(dir, 'claimJob-5.lua'), 'return 1');
      writeFileSync(join(dir, 'claimJob-6.lua'), 'return 1');
      expect(() => readScripts(dir)).toThrow(/two lua scripts .* are named claimJob/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every script has a typed command, and every typed command a script', () => {
    const declared = [...typed.matchAll(/\bdriftd_([a-zA-Z]+)\(/g)].map((m) => m[1]!);
    expect(new Set(declared)).toEqual(new Set(scripts.map((s) => s.name)));
  });

  it.each(scripts.map((s) => [s.name, s] as const))('%s follows the header and size rules', (_, s) => {
    const lines = s.lua.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(60);
    const header = s.lua.slice(0, s.lua.indexOf(']]'));
    expect(header.startsWith('--[[')).toBe(true);
    for (const part of ['Input:', 'Output:', 'Errors:']) expect(header).toContain(part);
    for (let i = 1; i <= s.numberOfKeys; i++) expect(header).toContain(`KEYS[${i}]`);
    expect(header).not.toContain(`KEYS[${s.numberOfKeys + 1}]`);
    expect(s.lua).toContain('local rcall = redis.call');
    const code = s.lua.slice(s.lua.indexOf(']]'));
    expect(code).not.toMatch(/KEYS\[\d+\]\s*\.\./);
    for (const m of code.matchAll(/KEYS\[(\d+)\]/g)) expect(Number(m[1])).toBeLessThanOrEqual(s.numberOfKeys);
    for (const m of s.lua.matchAll(/return \{?\s*(-\d+)/g)) expect(SCRIPT_CODES).toHaveProperty(m[1]!);
  });

  it('scripts that return snapshots list the record fields in the order records.ts decodes', () => {
    for (const s of scripts) {
      const tf = luaList(s.lua, 'TF');
      const jf = luaList(s.lua, 'JF');
      if (tf) expect(tf, s.name).toEqual([...TASK_FIELDS]);
      if (jf) expect(jf, s.name).toEqual([...JOB_FIELDS]);
      const d = luaList(s.lua, 'D');
      const j = luaList(s.lua, 'J');
      if (d) expect(d, s.name).toEqual([...TASK_STATE_FIELDS]);
      if (j) expect(j, s.name).toEqual([...JOB_READ_FIELDS]);
    }
  });
});

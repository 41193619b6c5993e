// Copies non-TypeScript runtime assets (Lua scripts) from src/ into dist/ after tsc.
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = 'src';
const OUT = 'dist';
const ASSET = /\.(lua)$/;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (ASSET.test(name)) cpSync(path, join(OUT, relative(SRC, path)));
  }
}
if (existsSync(SRC)) walk(SRC);

// Copies non-TypeScript runtime assets (Lua scripts) from src/ into dist/ after tsc, and removes assets in
// dist/ that src/ no longer has (a renamed script must not linger next to its successor).
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = 'src';
const OUT = 'dist';
const ASSET = /\.(lua)$/;

function walk(dir, visit) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, visit);
    else if (ASSET.test(name)) visit(path);
  }
}
if (existsSync(OUT)) {
  walk(OUT, (path) => {
    if (!existsSync(join(SRC, relative(OUT, path)))) rmSync(path);
  });
}
if (existsSync(SRC)) walk(SRC, (path) => cpSync(path, join(OUT, relative(SRC, path))));

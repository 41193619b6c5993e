import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type CopyArgs,
  execForm,
  parseCopy,
  parseDockerfile,
  type Stage,
  workdirAt,
} from './dockerfile-parse.js';

/** What can be checked about the Dockerfile without building it (no Docker engine on these machines). */

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const stages = parseDockerfile(read('Dockerfile'));
const build = stages[0]!;
const runtime = stages.at(-1)!;
const ignored = read('.dockerignore')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

function copies(stage: Stage): { copy: CopyArgs; index: number; workdir: string }[] {
  return stage.instructions.flatMap((ins, index) =>
    ins.keyword === 'COPY' ? [{ copy: parseCopy(ins.args), index, workdir: workdirAt(stage, index) }] : [],
  );
}

function runs(stage: Stage): string {
  return stage.instructions
    .filter((i) => i.keyword === 'RUN')
    .map((i) => i.args)
    .join('\n');
}

function last(stage: Stage, keyword: string): string | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1)?.args;
}

/** Paths (relative to the workdir) a stage holds: what it copied in, plus what its RUN steps build. */
function producedBy(stage: Stage): Set<string> {
  const made = new Set<string>();
  for (const { copy } of copies(stage)) {
    if (copy.dest.endsWith('/') && copy.sources.length > 1) {
      for (const s of copy.sources) made.add(path.posix.basename(s));
    } else made.add(path.posix.normalize(copy.dest.replace(/^\.\//, '')));
  }
  const script = runs(stage);
  if (/\bnpm ci\b/.test(script)) made.add('node_modules');
  if (/\bnpm run build\b/.test(script)) {
    const tsconfig = JSON.parse(read('tsconfig.build.json')) as { compilerOptions: { outDir: string } };
    made.add(tsconfig.compilerOptions.outDir);
  }
  return made;
}

describe('Dockerfile: stages and copied paths', () => {
  it('builds on node:20-bookworm-slim in two stages', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build.image).toBe('node:20-bookworm-slim');
    expect(runtime.image).toBe('node:20-bookworm-slim');
    expect(build.name).not.toBeNull();
  });

  it('copies only paths that exist in the repo and are not excluded by .dockerignore', () => {
    const sources = stages.flatMap((s) => copies(s).filter((c) => c.copy.from === null));
    expect(sources.length).toBeGreaterThan(0);
    for (const { copy } of sources) {
      for (const source of copy.sources) {
        expect(existsSync(path.join(ROOT, source)), `COPY ${source}`).toBe(true);
        const top = source.replace(/^\.\//, '').split('/')[0]!;
        expect(ignored, `${source} is in .dockerignore`).not.toContain(top);
      }
    }
  });

  it('copies from earlier stages only what those stages hold', () => {
    for (const stage of stages) {
      for (const { copy } of copies(stage).filter((c) => c.copy.from !== null)) {
        const from = stages.find((s) => s.name === copy.from);
        expect(from, `stage ${copy.from}`).toBeDefined();
        expect(stages.indexOf(from!)).toBeLessThan(stages.indexOf(stage));
        const workdir = workdirAt(from!, from!.instructions.length);
        const made = producedBy(from!);
        for (const source of copy.sources) {
          const relative = path.posix.relative(workdir, source);
          expect(relative.startsWith('..'), `${source} is outside ${workdir}`).toBe(false);
          expect([...made], `--from=${copy.from} ${source}`).toContain(relative.split('/')[0]);
        }
      }
    }
  });

  it('has the build stage install, compile and prune with what `npm run build` reads', () => {
    const script = runs(build);
    expect(script).toMatch(/\bnpm ci\b/);
    expect(script).toMatch(/\bnpm run build\b/);
    expect(script).toMatch(/\bnpm prune --omit=dev\b/);
    const buildCommand = (JSON.parse(read('package.json')) as { scripts: { build: string } }).scripts.build;
    const buildIndex = build.instructions.findIndex((i) => /npm run build/.test(i.args));
    const before = producedBy({ ...build, instructions: build.instructions.slice(0, buildIndex) });
    const needed = ['package.json', 'package-lock.json', 'tsconfig.json', 'src'];
    for (const file of buildCommand.match(/[\w./-]+\.(?:json|mjs)/g) ?? []) needed.push(file.split('/')[0]!);
    for (const file of needed) expect([...before], `${file} before npm run build`).toContain(file);
  });
});

describe('Dockerfile: runtime stage', () => {
  const script = runs(runtime);

  it('installs git, openssh-client and ca-certificates without recommends, and removes apt lists', () => {
    const install = /apt-get install -y --no-install-recommends ([^&]+)/.exec(script);
    expect(install).not.toBeNull();
    expect(install![1]!.trim().split(/\s+/).sort()).toEqual(['ca-certificates', 'git', 'openssh-client']);
    expect(script).toContain('rm -rf /var/lib/apt/lists/*');
  });

  it('runs as the non-root driftd user (uid 10001) that owns /data and /cache', () => {
    expect(script).toMatch(/useradd [^\n]*--uid 10001[^\n]* driftd\b/);
    expect(script).toMatch(/chown driftd:driftd \/data \/cache/);
    const user = last(runtime, 'USER');
    expect(user).toBeDefined();
    expect(['10001', '10001:10001', 'driftd', 'driftd:driftd']).toContain(user);
  });

  it('declares the /data and /cache volumes and points driftd at them', () => {
    expect(execForm(last(runtime, 'VOLUME')!)).toEqual(['/data', '/cache']);
    const env = runtime.instructions
      .filter((i) => i.keyword === 'ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toMatch(/\bDRIFTD_DATA_DIR=\/data\b/);
    expect(env).toMatch(/\bDRIFTD_CACHE_DIR=\/cache\b/);
    expect(last(runtime, 'EXPOSE')).toBe('8080');
  });

  it('enters through the driftd bin, linked onto PATH, and serves the mounted config by default', () => {
    expect(execForm(last(runtime, 'ENTRYPOINT')!)).toEqual(['driftd']);
    expect(execForm(last(runtime, 'CMD')!)).toEqual(['serve', '-config', '/etc/driftd/config.yaml']);
    expect(script).toContain('ln -s /app/bin/driftd /usr/local/bin/driftd');
    expect(workdirAt(runtime, runtime.instructions.length)).toBe('/app');
    expect(statSync(path.join(ROOT, 'bin/driftd')).mode & 0o111).not.toBe(0);
    const target = /import\('\.\.\/(dist\/[^']+)'\)/.exec(read('bin/driftd'))?.[1];
    expect(target).toBe('dist/app/main/cli.js');
    expect(existsSync(path.join(ROOT, 'src/app/main/cli.ts'))).toBe(true);
  });

  it('ships what the app reads at run time: dist, production node_modules, package.json, templates, bin', () => {
    const made = producedBy(runtime);
    for (const needed of ['dist', 'node_modules', 'package.json', 'templates', 'bin']) {
      expect([...made], needed).toContain(needed);
    }
    const fromBuild = copies(runtime).filter((c) => c.copy.from === build.name);
    expect(fromBuild.flatMap((c) => c.copy.sources)).toContain('/app/node_modules');
  });

  it('keeps secrets, git history and local state out of the build context', () => {
    for (const entry of ['.git', 'node_modules', 'dist', 'data', 'cache', '.env', '**/*.pem']) {
      expect(ignored).toContain(entry);
    }
  });
});

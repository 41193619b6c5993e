/**
 * A small Dockerfile reader for the deploy tests (no Docker engine here): joins `\` continuations, drops
 * comments, splits into stages. Enough for the conventional Dockerfile at the repo root, not a full parser.
 */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly image: string;
  readonly name: string | null;
  readonly instructions: readonly Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const stages: { image: string; name: string | null; instructions: Instruction[] }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let logical = lines[i]!;
    if (/^\s*#/.test(logical) || logical.trim() === '') continue;
    while (logical.trimEnd().endsWith('\\') && i + 1 < lines.length) {
      logical = `${logical.trimEnd().slice(0, -1)} ${lines[++i]!.trim()}`;
    }
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(logical);
    if (!match) throw new Error(`Dockerfile line ${start + 1}: cannot parse "${logical}"`);
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!.trim();
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`Dockerfile line ${start + 1}: bad FROM`);
      stages.push({ image: from[1]!, name: from[2] ?? null, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`Dockerfile line ${start + 1}: ${keyword} before FROM`);
      stage.instructions.push({ keyword, args, line: start + 1 });
    }
  }
  return stages;
}

export interface CopyArgs {
  readonly from: string | null;
  readonly sources: readonly string[];
  readonly dest: string;
}

/** `COPY [--from=x] [--chown=..] src... dest` (shell form only). */
export function parseCopy(args: string): CopyArgs {
  const words = args.split(/\s+/);
  let from: string | null = null;
  const rest: string[] = [];
  for (const word of words) {
    if (word.startsWith('--from=')) from = word.slice('--from='.length);
    else if (!word.startsWith('--')) rest.push(word);
  }
  if (rest.length < 2) throw new Error(`COPY needs a source and a destination: ${args}`);
  return { from, sources: rest.slice(0, -1), dest: rest.at(-1)! };
}

/** The exec form `["a", "b"]` as an array. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) {
    throw new Error(`not an exec-form array: ${args}`);
  }
  return parsed;
}

/** The stage's working directory at each instruction index (WORKDIR is absolute here). */
export function workdirAt(stage: Stage, index: number): string {
  let dir = '/';
  for (const ins of stage.instructions.slice(0, index)) if (ins.keyword === 'WORKDIR') dir = ins.args;
  return dir;
}

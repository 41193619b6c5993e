import { createHash } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { strToU8, zipSync } from 'fflate';
import { currentPlatform } from '../../../src/adapters/versions/release-index.js';
import type { ToolName } from '../../../src/ports/tool-resolver.port.js';

/** A tiny executable that answers the version commands like the real tool (§1 of the contract). */
export function standInScript(tool: ToolName, version: string): string {
  if (tool === 'terragrunt') {
    return `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "terragrunt version v${version}"; exit 0; fi\necho "stand-in terragrunt $*"\n`;
  }
  const product = tool === 'tofu' ? 'OpenTofu' : 'Terraform';
  return [
    '#!/bin/sh',
    `if [ "$1" = "version" ] && [ "$2" = "-json" ]; then echo '{"terraform_version": "${version}", "platform": "linux_amd64", "provider_selections": {}}'; exit 0; fi`,
    `if [ "$1" = "version" ] || [ "$1" = "-version" ]; then echo "${product} v${version}"; exit 0; fi`,
    `echo "stand-in ${tool} $*"`,
    '',
  ].join('\n');
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Files a mirror serves for one tool version, in the layouts release-index.ts documents. */
function releaseFiles(tool: ToolName, version: string): Record<string, Uint8Array> {
  const { os, arch } = currentPlatform();
  const script = strToU8(standInScript(tool, version));
  if (tool === 'terragrunt') {
    const name = `terragrunt_${os}_${arch}`;
    const sums = `${sha(script)}  ${name}\n${'0'.repeat(64)}  terragrunt_windows_amd64.exe\n`;
    return {
      [`/terragrunt/v${version}/${name}`]: script,
      [`/terragrunt/v${version}/SHA256SUMS`]: strToU8(sums),
    };
  }
  const zip = zipSync({ [tool]: script, 'LICENSE.txt': strToU8('stand-in licence') });
  const name = `${tool}_${version}_${os}_${arch}.zip`;
  const sums = strToU8(`${'1'.repeat(64)}  ${tool}_${version}_darwin_arm64.zip\n${sha(zip)}  ${name}\n`);
  const dir = tool === 'terraform' ? `/terraform/terraform/${version}` : `/tofu/v${version}`;
  return { [`${dir}/${name}`]: zip, [`${dir}/${tool}_${version}_SHA256SUMS`]: sums };
}

export interface MirrorOptions {
  readonly terraform?: readonly string[];
  readonly tofu?: readonly string[];
  readonly terragrunt?: readonly string[];
}

export interface Mirror {
  /** Base URLs per tool, to use as `mirrors`. */
  readonly bases: Readonly<Record<ToolName, string>>;
  readonly files: Map<string, Uint8Array>;
  /** Every request path, in order. */
  readonly requests: string[];
  /** Archive (or bare binary) downloads so far. */
  archiveDownloads(): number;
  /** Delay before answering artifact requests (lets concurrent installers pile up). */
  artifactDelayMs: number;
  /** Send half of each artifact, then hang until `stall = false` is set... or forever. */
  stall: boolean;
  /** Resolves when a stalled response has sent its first half. */
  stalled(): Promise<void>;
  close(): Promise<void>;
}

function isArtifact(path: string): boolean {
  return path.endsWith('.zip') || /\/terragrunt_[a-z0-9]+_[a-z0-9]+$/.test(path);
}

export async function startMirror(opts: MirrorOptions): Promise<Mirror> {
  const files = new Map<string, Uint8Array>();
  for (const tool of ['terraform', 'tofu', 'terragrunt'] as const) {
    const versions = opts[tool] ?? [];
    for (const v of versions) for (const [p, b] of Object.entries(releaseFiles(tool, v))) files.set(p, b);
    const list =
      tool === 'terraform'
        ? { versions: Object.fromEntries(versions.map((v) => [v, {}])) }
        : { versions: versions.map((id) => ({ id })) };
    files.set(
      tool === 'terraform'
        ? '/terraform/terraform/index.json'
        : tool === 'tofu'
          ? '/tofu/api.json'
          : '/terragrunt/index.json',
      strToU8(JSON.stringify(list)),
    );
  }
  const sockets = new Set<Socket>();
  let stallWaiters: (() => void)[] = [];
  const send = (res: ServerResponse, body: Uint8Array, stall: boolean) => {
    res.writeHead(200, { 'content-length': body.byteLength });
    if (!stall) return void res.end(body);
    res.write(body.subarray(0, Math.floor(body.byteLength / 2)), () => {
      for (const w of stallWaiters) w();
      stallWaiters = [];
    });
  };
  const server = createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    mirror.requests.push(p);
    const body = files.get(p);
    if (!body) return void res.writeHead(404).end('not found');
    if (!isArtifact(p)) return void send(res, body, false);
    const stall = mirror.stall;
    setTimeout(() => send(res, body, stall), mirror.artifactDelayMs);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const mirror: Mirror = {
    bases: { terraform: `${url}/terraform`, tofu: `${url}/tofu`, terragrunt: `${url}/terragrunt` },
    files,
    requests: [],
    archiveDownloads: () => mirror.requests.filter(isArtifact).length,
    artifactDelayMs: 0,
    stall: false,
    stalled: () => new Promise<void>((r) => stallWaiters.push(r)),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return mirror;
}

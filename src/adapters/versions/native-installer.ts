import path from 'node:path';
import { DriftdError } from '../../domain/errors.js';
import type { ToolName } from '../../ports/tool-resolver.port.js';
import type { BinaryCache, BinaryInstaller, InstallOutcome } from './binary-cache.js';
import { writeFileSynced } from './binary-cache.js';
import { extractBinary, parseSha256Sums, sha256Hex } from './checksums.js';
import { fetchBytes, fetchText, type HttpOptions } from './http-fetch.js';
import type { ReleaseLayout } from './release-index.js';

export interface NativeInstallerOptions {
  readonly cache: BinaryCache;
  /** The release layout per tool (from `ReleaseIndex.layout`), built from the configured mirror. */
  readonly layout: (tool: ToolName) => ReleaseLayout;
  readonly http: HttpOptions;
}

function failure(message: string): DriftdError {
  return new DriftdError('DRIFTD_TOOL_UNAVAILABLE', message);
}

/**
 * Downloads a release from the configured mirror: fetch `SHA256SUMS`, fetch the artifact, compare
 * its SHA-256 with the line for its exact file name, and only then unzip (or take) the executable.
 * Nothing unverified is ever written, let alone run. Signatures (GPG/cosign) are not checked: the
 * mirror is trusted for the checksum file. The cache does the locking and the atomic placement.
 */
export class NativeInstaller implements BinaryInstaller {
  constructor(private readonly opts: NativeInstallerOptions) {}

  install(tool: ToolName, version: string, signal?: AbortSignal): Promise<InstallOutcome> {
    return this.opts.cache.ensure(tool, version, (dir, s) => this.produce(tool, version, dir, s), signal);
  }

  private async produce(tool: ToolName, version: string, dir: string, signal: AbortSignal): Promise<string> {
    const layout = this.opts.layout(tool);
    const archive = layout.artifactName(version);
    const sumsName = layout.sumsName(version);
    const sums = parseSha256Sums(await fetchText(layout.sumsUrl(version), this.opts.http, signal));
    const expected = sums.get(archive);
    if (expected === undefined) {
      throw failure(`${tool} ${version}: ${sumsName} has no checksum line for ${archive}`);
    }
    const bytes = await fetchBytes(layout.artifactUrl(version), this.opts.http, signal);
    const actual = sha256Hex(bytes);
    if (actual !== expected) {
      throw failure(
        `${tool} ${version}: checksum mismatch for ${archive}: ${sumsName} says ${expected}, downloaded file has ${actual}`,
      );
    }
    let binary: Uint8Array;
    try {
      binary = layout.kind === 'zip' ? extractBinary(bytes, tool, archive) : bytes;
    } catch (e) {
      throw failure(`${tool} ${version}: ${(e as Error).message}`);
    }
    const out = path.join(dir, tool);
    await writeFileSynced(out, binary);
    return out;
  }
}

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';

/**
 * The UI's static files (`templates/static/*`: one CSS and one JS file), read once at startup and served
 * from memory. URLs carry a content hash (`/static/app.css?v=1a2b3c4d`), so they are cached for a year
 * and a new release is fetched at once.
 */

const TYPES: Readonly<Record<string, string>> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export interface StaticAsset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
  /** `/static/<name>?v=<hash>`. */
  readonly url: string;
}

export async function loadStaticAssets(dir: string): Promise<Map<string, StaticAsset>> {
  const assets = new Map<string, StaticAsset>();
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const type = TYPES[extname(name)];
    if (type === undefined || !/^[\w.-]+$/.test(name)) continue;
    const body = await readFile(join(dir, name));
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
    assets.set(name, { body, type, etag: `"${hash}"`, url: `/static/${name}?v=${hash}` });
  }
  return assets;
}

export function assetUrl(assets: ReadonlyMap<string, StaticAsset>, name: string): string {
  return assets.get(name)?.url ?? `/static/${name}`;
}

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfigFile } from '../../src/app/config/load-config.js';

/** docker-compose.yml: parsed and checked against the driftd CLI and config loader (no Docker here). */

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  volumes?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  deploy?: { replicas?: number };
  depends_on?: Record<string, unknown>;
}

const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = Object.entries(compose.services);
const driftd = services.filter(([, s]) => s.command?.[0] === 'serve' || s.command?.[0] === 'worker');
const serves = driftd.filter(([, s]) => s.command![0] === 'serve');
const workers = driftd.filter(([, s]) => s.command![0] === 'worker');
const replicas = (s: Service) => s.deploy?.replicas ?? 1;

/** `host:container[:ro]` → parts; a host part starting with `.` or `/` is a bind mount. */
function mounts(s: Service) {
  return (s.volumes ?? []).map((v) => {
    const [host, container, mode] = v.split(':') as [string, string, string | undefined];
    return { host, container, mode, bind: /^[./]/.test(host) };
  });
}

function flag(command: readonly string[], name: string): string | undefined {
  const i = command.findIndex((a) => a === `-${name}` || a === `--${name}`);
  return i < 0 ? undefined : command[i + 1];
}

describe('docker-compose.yml', () => {
  it('has redis, one serve and at least two workers', () => {
    expect(compose.services.redis?.image).toBe('redis:7-alpine');
    expect(serves).toHaveLength(1);
    expect(workers.reduce((n, [, s]) => n + replicas(s), 0)).toBeGreaterThanOrEqual(2);
    expect(replicas(serves[0]![1])).toBe(1);
  });

  it('runs every driftd service from the Dockerfile image, after redis is healthy', () => {
    for (const [name, s] of driftd) {
      expect(s.build, name).toBe('.');
      expect(s.depends_on?.redis, name).toEqual({ condition: 'service_healthy' });
    }
  });

  it('mounts one existing config file at the -config path of every driftd service', () => {
    const hosts = new Set<string>();
    for (const [name, s] of driftd) {
      const configPath = flag(s.command!, 'config');
      expect(configPath, name).toBe('/etc/driftd/config.yaml');
      const mount = mounts(s).find((m) => m.container === configPath);
      expect(mount?.bind, name).toBe(true);
      expect(mount?.mode, name).toBe('ro');
      hosts.add(mount!.host);
    }
    expect([...hosts]).toEqual(['./deploy/compose/config.yaml']);
    for (const [name, s] of driftd) {
      for (const m of mounts(s).filter((x) => x.bind)) {
        expect(existsSync(path.join(ROOT, m.host)), `${name}: ${m.host}`).toBe(true);
      }
    }
  });

  it('shares a named cache volume between serve and workers; data is serve-only and persistent', () => {
    const named = (s: Service, at: string) => mounts(s).find((m) => m.container === at && !m.bind)?.host;
    const serve = serves[0]![1];
    const cache = named(serve, '/cache');
    expect(cache).toBeDefined();
    for (const [name, w] of workers) expect(named(w, '/cache'), name).toBe(cache);
    expect(named(serve, '/data')).toBeDefined();
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining([cache, named(serve, '/data')]));
    expect(serve.ports).toContain('8080:8080');
  });

  it('gives workers a metrics address', () => {
    for (const [name, w] of workers) expect(flag(w.command!, 'metrics-addr'), name).toMatch(/^:\d+$/);
  });

  it("mounted config validates with driftd's loader and points at the compose redis", async () => {
    const env = { DRIFTD_DATA_DIR: '/data', DRIFTD_CACHE_DIR: '/cache' };
    const config = await loadConfigFile(path.join(ROOT, 'deploy/compose/config.yaml'), env);
    const [host, port] = config.redis!.addr.split(':');
    expect(compose.services[host!]).toBeDefined();
    expect(port).toBe('6379');
    expect(config.listen.port).toBe(8080);
    expect(config.dataDir).toBe('/data');
    expect(config.repos.length).toBeGreaterThan(0);
    // A local-path repo must be mounted into serve and every worker.
    for (const repo of config.repos.filter((r) => r.url.startsWith('/'))) {
      for (const [name, s] of driftd) {
        expect(
          mounts(s).map((m) => m.container),
          `${name}: ${repo.url}`,
        ).toContain(repo.url);
      }
    }
  });
});

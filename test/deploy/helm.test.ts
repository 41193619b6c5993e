import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DriftdMetrics } from '../../src/adapters/metrics/index.js';
import { ENV_OVERLAY } from '../../src/app/config/env-refs.js';
import { loadConfigFile } from '../../src/app/config/load-config.js';
import {
  blockBalance,
  chartYaml,
  exampleValues,
  ROOT,
  readChart,
  readmeValuesTable,
  templates,
  values,
  valuesReferences,
} from './helm-chart.js';
import {
  allEntries,
  isMap,
  leafPaths,
  lookup,
  mergeValues,
  unknownPaths,
  type Values,
} from './helm-values.js';

/** What can be checked about deploy/helm/driftd without a helm binary or a cluster. */

const packageVersion = (
  JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

describe('Helm chart: structure', () => {
  it('has a v2 Chart.yaml whose appVersion is the package version', () => {
    expect(chartYaml.apiVersion).toBe('v2');
    expect(chartYaml.name).toBe('driftd');
    expect(String(chartYaml.version)).toMatch(/^\d+\.\d+\.\d+$/);
    expect(chartYaml.appVersion).toBe(packageVersion);
  });

  it('has balanced template blocks in every template', () => {
    expect(templates.size).toBeGreaterThan(5);
    for (const [file, text] of templates) expect(blockBalance(text), file).toBe(0);
  });

  it('reads only values that values.yaml defines', () => {
    const missing = [...templates].flatMap(([file, text]) =>
      valuesReferences(text)
        .filter((ref) => lookup(values, ref) === undefined)
        .map((ref) => `${file}: .Values.${ref}`),
    );
    expect(missing).toEqual([]);
  });

  it('documents every leaf value, with its default, in the README table (and nothing else)', () => {
    const table = readmeValuesTable();
    const leaves = leafPaths(values);
    expect([...table.keys()].sort()).toEqual([...leaves].sort());
    for (const leaf of leaves) {
      const v = lookup(values, leaf);
      const shown = v === '' ? '""' : Array.isArray(v) ? `[${v.join(', ')}]` : isMap(v) ? '{}' : String(v);
      expect([shown, `"${shown}"`], leaf).toContain(table.get(leaf));
    }
  });

  it('checks the example values file against values.yaml for typos', () => {
    expect(unknownPaths(values, exampleValues)).toEqual([]);
  });
});

describe('Helm chart: config and secrets', () => {
  const configMap = templates.get('configmap.yaml')!;
  const helpers = templates.get('_helpers.tpl')!;

  it('renders the ConfigMap from .Values.config only', () => {
    expect(valuesReferences(configMap)).toEqual(['config']);
    expect(configMap).toMatch(/config\.yaml: \|\n\s*\{\{- toYaml \.Values\.config \| nindent 4 \}\}/);
    expect(configMap).not.toMatch(/secretKeyRef|password|token/i);
  });

  it('holds no secret value in any values file: secret keys are empty or $ENV references', () => {
    for (const [file, v] of [
      ['values.yaml', values],
      ['ci/example-values.yaml', exampleValues],
    ] as const) {
      for (const entry of allEntries(v).filter((e) =>
        /(password|passwd|token|api_?key|private_?key)$/i.test(e.key),
      )) {
        expect(String(entry.value), `${file}: ${entry.path}`).toMatch(/^(|\$\{[A-Z_][A-Z0-9_]*\})$/);
      }
      expect(lookup(v, 'config.redis'), file).toBeUndefined();
    }
  });

  it('passes secret-looking env vars only from Secrets, and only DRIFTD_* names the config loader knows', () => {
    const all = [...templates.values()].join('\n');
    for (const m of all.matchAll(/- name: (\S*(?:PASSWORD|TOKEN|SECRET)\S*)\n(\s*)(\S+)/g)) {
      expect(m[3], m[1]).toBe('valueFrom:');
    }
    const known = new Set(ENV_OVERLAY.map((e) => e.env));
    for (const m of helpers.matchAll(/- name: (DRIFTD_\w+)/g)) expect(known.has(m[1]!), m[1]).toBe(true);
  });

  it('renders a valid driftd config by default, with Redis, paths and port from the chart env', async () => {
    const config = await loadConfigFile(writeConfig(values), chartEnv(values));
    expect(config.redis?.addr).toBe('release-driftd-redis:6379');
    expect(config.redis?.prefix).toBe(lookup(values, 'redis.prefix'));
    expect(config.dataDir).toBe('/data');
    expect(config.tools.cacheDir).toBe('/cache');
    expect(config.listen.port).toBe(lookup(values, 'serve.port'));
    for (const owned of ['redis', 'data_dir', 'listen_addr', 'tools.cache_dir']) {
      expect(lookup(values.config as Values, owned), `config.${owned} is set by the chart`).toBeUndefined();
    }
  });

  it('renders a valid config for the example values, whose $ENV references all come from secretEnv', async () => {
    const merged = mergeValues(values, exampleValues);
    const text = stringify(merged.config);
    const refs = [...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)].map((m) => m[1]!);
    const provided = (merged.secretEnv as { name: string }[]).map((e) => e.name);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(provided, ref).toContain(ref);
    const env = { ...chartEnv(merged), ...Object.fromEntries(provided.map((n) => [n, `value-of-${n}`])) };
    const config = await loadConfigFile(writeConfig(merged), env);
    expect(config.redis?.addr).toBe('redis.example.internal:6379');
    expect(config.redis?.password).toBe('value-of-DRIFTD_REDIS_PASSWORD');
    expect(config.api.tokens.map((t) => t.token)).toEqual([
      'value-of-DRIFTD_CI_TOKEN',
      'value-of-DRIFTD_METRICS_TOKEN',
    ]);
    const { DRIFTD_CI_TOKEN: _dropped, ...withoutToken } = env;
    await expect(loadConfigFile(writeConfig(merged), withoutToken)).rejects.toThrow(/DRIFTD_CI_TOKEN/);
  });
});

describe('Helm chart: workloads', () => {
  const serve = templates.get('serve-deployment.yaml')!;
  const worker = templates.get('worker-deployment.yaml')!;
  const autoscaling = templates.get('worker-autoscaling.yaml')!;

  it('runs one serve replica, replaced not rolled, probed on /api/health, with /data mounted', () => {
    expect(lookup(values, 'serve.replicas')).toBe(1);
    expect(serve).toMatch(/strategy:\n\s+type: Recreate/);
    expect(serve).toContain('args: ["serve", "-config", "/etc/driftd/config.yaml"]');
    expect(lookup(values, 'serve.readinessProbe.httpGet.path')).toBe('/api/health');
    expect(lookup(values, 'serve.livenessProbe.httpGet.path')).toBe('/api/health');
    expect(serve).toMatch(/- name: http\n\s+containerPort: \{\{ \.Values\.serve\.port \}\}/);
    expect(serve).toMatch(/- name: data\n\s+mountPath: \/data/);
  });

  it('runs workers with the config, a metrics address, and replicas left to an enabled autoscaler', () => {
    expect(worker).toMatch(/- worker\n\s+- -config\n\s+- \/etc\/driftd\/config\.yaml/);
    expect(worker).toContain('- --metrics-addr');
    expect(worker).toMatch(
      /if not \(or \.Values\.worker\.autoscaling\.hpa\.enabled \.Values\.worker\.autoscaling\.keda\.enabled\)/,
    );
    expect(worker).toContain('fail "worker.autoscaling: enable hpa or keda, not both');
    expect(autoscaling).toMatch(
      /if \$as\.hpa\.enabled \}\}\napiVersion: autoscaling\/v2\nkind: HorizontalPodAutoscaler/,
    );
    expect(autoscaling).toMatch(
      /if \$as\.keda\.enabled \}\}[\s\S]*kind: ScaledObject[\s\S]*type: prometheus/,
    );
  });

  it('scales on metrics that driftd actually exports', async () => {
    const query = String(lookup(values, 'worker.autoscaling.keda.prometheus.query'));
    const metrics = new DriftdMetrics({
      defaultMetrics: false,
      queueStats: async () => ({ pending: 1, running: 1, oldestPendingAgeMs: 0 }),
    });
    const exported = await metrics.metrics();
    const names = [...query.matchAll(/driftd_\w+/g)].map((m) => m[0]);
    expect(names.length).toBeGreaterThan(0);
    // Every process reports the same shared queue numbers: summing them would multiply the depth.
    expect(query).not.toMatch(/sum\s*\(\s*driftd_queue_/);
    for (const name of names) expect(exported, name).toMatch(new RegExp(`^${name} `, 'm'));
  });

  it('runs as the image user, non-root, read-only root, no capabilities, writable /cache and /tmp', () => {
    const dockerUid = /--uid (\d+)/.exec(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
    expect(lookup(values, 'podSecurityContext.runAsNonRoot')).toBe(true);
    expect(String(lookup(values, 'podSecurityContext.runAsUser'))).toBe(dockerUid);
    expect(lookup(values, 'securityContext.readOnlyRootFilesystem')).toBe(true);
    expect(lookup(values, 'securityContext.allowPrivilegeEscalation')).toBe(false);
    expect(lookup(values, 'securityContext.capabilities.drop')).toEqual(['ALL']);
    const helpers = templates.get('_helpers.tpl')!;
    for (const dir of ['/cache', '/tmp', '/home/driftd']) expect(helpers).toContain(`mountPath: ${dir}`);
    for (const file of [serve, worker]) expect(file).toContain('toYaml .Values.securityContext');
  });

  it('bundles Redis only when enabled, and otherwise requires an external address', () => {
    expect(templates.get('redis.yaml')).toMatch(
      /^\{\{- \/\*.*\*\/\}\}\n\{\{- if \.Values\.redis\.enabled \}\}/,
    );
    expect(templates.get('_helpers.tpl')).toMatch(
      /required "redis\.externalAddr is required[^"]*" \.Values\.redis\.externalAddr/,
    );
    // The password reaches redis-server on stdin, never on its command line.
    expect(templates.get('redis.yaml')).toMatch(/printf [^\n]*"\$REDIS_PASSWORD" \| redis-server - /);
    expect(templates.get('redis.yaml')).not.toMatch(/redis-server[^\n]*REDIS_PASSWORD/);
  });

  it('keeps the data claim on uninstall and offers a shared cache claim', () => {
    const pvc = templates.get('pvc.yaml')!;
    expect(pvc).toContain('helm.sh/resource-policy: keep');
    expect(pvc).toMatch(/if eq \.Values\.cache\.type "pvc"/);
    expect(readChart('README.md')).toContain('ReadWriteMany');
  });
});

/** The env the chart's `driftd.env` helper sets, for release name "release". */
function chartEnv(v: Values): Record<string, string> {
  const env: Record<string, string> = {
    DRIFTD_REDIS_ADDR: lookup(v, 'redis.enabled')
      ? 'release-driftd-redis:6379'
      : String(lookup(v, 'redis.externalAddr')),
    DRIFTD_REDIS_DB: String(lookup(v, 'redis.db')),
    DRIFTD_REDIS_PREFIX: String(lookup(v, 'redis.prefix')),
    DRIFTD_DATA_DIR: '/data',
    DRIFTD_CACHE_DIR: '/cache',
    DRIFTD_LISTEN_ADDR: `:${lookup(v, 'serve.port')}`,
  };
  if (lookup(v, 'redis.auth.existingSecret')) env.DRIFTD_REDIS_PASSWORD = 'value-of-DRIFTD_REDIS_PASSWORD';
  return env;
}

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function writeConfig(v: Values): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'driftd-helm-'));
  tempDirs.push(dir);
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, stringify(v.config));
  return file;
}

/** Helpers over parsed Helm values: leaf paths, lookups and Helm's merge of a values file over defaults. */

export type Values = Record<string, unknown>;

export function isMap(v: unknown): v is Values {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Dotted paths of every leaf: scalars, arrays and empty maps (which are free-form, like `podLabels`). */
export function leafPaths(values: Values, prefix = ''): string[] {
  return Object.entries(values).flatMap(([key, value]) => {
    const here = prefix === '' ? key : `${prefix}.${key}`;
    return isMap(value) && Object.keys(value).length > 0 ? leafPaths(value, here) : [here];
  });
}

/** Follows a dotted path through maps; `undefined` when a segment is missing. */
export function lookup(values: Values, dotted: string): unknown {
  let node: unknown = values;
  for (const key of dotted.split('.')) {
    if (!isMap(node) || !(key in node)) return undefined;
    node = node[key];
  }
  return node;
}

/**
 * Paths of `override` that the defaults do not know, stopping where the defaults hold a free-form value
 * (an array, an empty map or a scalar): a typo such as `worker.autoscalling` is reported.
 */
export function unknownPaths(defaults: Values, override: Values, prefix = ''): string[] {
  return Object.entries(override).flatMap(([key, value]) => {
    const here = prefix === '' ? key : `${prefix}.${key}`;
    if (!(key in defaults)) return [here];
    const base = defaults[key];
    return isMap(base) && Object.keys(base).length > 0 && isMap(value) ? unknownPaths(base, value, here) : [];
  });
}

/** Helm's coalescing: maps merge key by key, anything else in the override replaces the default. */
export function mergeValues(defaults: Values, override: Values): Values {
  const out: Values = { ...defaults };
  for (const [key, value] of Object.entries(override)) {
    const base = out[key];
    out[key] = isMap(base) && isMap(value) ? mergeValues(base, value) : value;
  }
  return out;
}

/** Every key path (through maps and arrays) with its value, for secret scans. */
export function allEntries(value: unknown, prefix = ''): { path: string; key: string; value: unknown }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => allEntries(v, `${prefix}[${i}]`));
  if (!isMap(value)) return [];
  return Object.entries(value).flatMap(([key, v]) => {
    const here = prefix === '' ? key : `${prefix}.${key}`;
    return [{ path: here, key, value: v }, ...allEntries(v, here)];
  });
}

import { deepEqual, isObject, type JsonObject, valueAt } from './json-value.js';

/** One attribute path: a top-level name, or a name plus one nested key (`tags.env`). */
export type AttributePath = readonly [string] | readonly [string, string];

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `tags.env`, or `tags["kubernetes.io/role"]` when the key is not a plain identifier. */
export function formatPath(path: AttributePath): string {
  const [name, key] = path;
  if (key === undefined) return name;
  return IDENTIFIER.test(key) ? `${name}.${key}` : `${name}[${JSON.stringify(key)}]`;
}

function isUnknown(afterUnknown: unknown, path: AttributePath): boolean {
  if (afterUnknown === true) return true;
  const [name, key] = path;
  const top = isObject(afterUnknown) ? afterUnknown[name] : undefined;
  if (top === true) return true;
  return key !== undefined && isObject(top) && top[key] === true;
}

function presentKeys(value: unknown): string[] {
  if (!isObject(value)) return [];
  return Object.keys(value).filter((k) => value[k] !== null && value[k] !== undefined);
}

function unknownKeys(afterUnknown: unknown): string[] {
  if (!isObject(afterUnknown)) return [];
  return Object.keys(afterUnknown).filter((k) => afterUnknown[k] === true);
}

function nestedDiff(name: string, before: JsonObject, after: JsonObject): AttributePath[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const paths: AttributePath[] = [];
  for (const key of keys) if (!deepEqual(before[key], after[key])) paths.push([name, key]);
  return paths.length > 0 ? paths : [[name]];
}

/**
 * The attribute paths whose values differ between `before` and `after` (values known only after apply
 * count as changed). Objects (maps, single nested blocks) are compared one level deep; lists as a whole.
 * A create lists every attribute it sets, a delete every attribute the object had.
 */
export function changedPaths(before: unknown, after: unknown, afterUnknown: unknown): AttributePath[] {
  const names = new Set([...presentKeys(before), ...presentKeys(after), ...unknownKeys(afterUnknown)]);
  const paths: AttributePath[] = [];
  for (const name of [...names].sort()) {
    const b = isObject(before) ? before[name] : undefined;
    const a = isObject(after) ? after[name] : undefined;
    if (isUnknown(afterUnknown, [name])) paths.push([name]);
    else if (deepEqual(b, a)) continue;
    else if (isObject(b) && isObject(a)) paths.push(...nestedDiff(name, b, a));
    else paths.push([name]);
  }
  return paths;
}

/** True when the planned value at `path` is known and equal to `reference`'s value there. */
export function restoresValue(
  plannedAfter: unknown,
  afterUnknown: unknown,
  reference: unknown,
  path: AttributePath,
): boolean | 'unknown' {
  if (isUnknown(afterUnknown, path)) return 'unknown';
  return deepEqual(valueAt(plannedAfter, path), valueAt(reference, path));
}

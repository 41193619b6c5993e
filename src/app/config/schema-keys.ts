import type { KeyPath } from './env-refs.js';

/**
 * The keys a strict object in a zod schema accepts at a given path, for "did you mean" hints.
 * Reads zod 4's `_zod.def` through a narrow structural type; an unknown wrapper just yields no hint.
 */
interface DefNode {
  readonly _zod: {
    readonly def: {
      readonly type: string;
      readonly innerType?: DefNode;
      readonly in?: DefNode;
      readonly out?: DefNode;
      readonly element?: DefNode;
      readonly shape?: Readonly<Record<string, DefNode>>;
    };
  };
}

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional']);

function unwrap(node: DefNode | undefined): DefNode | undefined {
  let current = node;
  for (let depth = 0; current && depth < 20; depth++) {
    const def = current._zod.def;
    if (WRAPPERS.has(def.type)) current = def.innerType;
    else if (def.type === 'pipe') current = def.in?._zod.def.type === 'transform' ? def.out : def.in;
    else return current;
  }
  return current;
}

export function knownKeysAt(schema: unknown, path: KeyPath): readonly string[] {
  let node = unwrap(schema as DefNode);
  for (const seg of path) {
    const def = node?._zod.def;
    if (def?.type === 'array' && typeof seg === 'number') node = unwrap(def.element);
    else if (def?.type === 'object' && typeof seg === 'string') node = unwrap(def.shape?.[seg]);
    else return [];
  }
  const def = node?._zod.def;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

import { asArray, isObject, type JsonObject } from './json-value.js';

export const SENSITIVE_PLACEHOLDER = '(sensitive value)';

/** Called for every scalar found under a sensitive marker. */
type OnSecret = (value: string) => void;

/** Returns `value` with every leaf that `mask` marks sensitive replaced, reporting each hidden scalar. */
function redactValue(value: unknown, mask: unknown, onSecret: OnSecret): unknown {
  if (value === null || value === undefined) return value;
  if (mask === true) {
    collectScalars(value, onSecret);
    return SENSITIVE_PLACEHOLDER;
  }
  if (Array.isArray(value) && Array.isArray(mask)) {
    return value.map((item, i) => redactValue(item, mask[i], onSecret));
  }
  if (isObject(value) && isObject(mask)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = redactValue(item, mask[key], onSecret);
    return out;
  }
  return value;
}

function collectScalars(value: unknown, onSecret: OnSecret): void {
  if (typeof value === 'string') onSecret(value);
  else if (typeof value === 'number') onSecret(String(value));
  else if (Array.isArray(value)) for (const item of value) collectScalars(item, onSecret);
  else if (isObject(value)) for (const item of Object.values(value)) collectScalars(item, onSecret);
}

type Mutable = Record<string, unknown>;

function redactChange(change: unknown, onSecret: OnSecret): void {
  if (!isObject(change)) return;
  const c = change as Mutable;
  c.before = redactValue(c.before, c.before_sensitive, onSecret);
  c.after = redactValue(c.after, c.after_sensitive, onSecret);
}

function redactModule(module: unknown, onSecret: OnSecret): void {
  if (!isObject(module)) return;
  for (const resource of asArray(module.resources)) {
    if (isObject(resource)) {
      const r = resource as Mutable;
      r.values = redactValue(r.values, r.sensitive_values, onSecret);
    }
  }
  for (const child of asArray(module.child_modules)) redactModule(child, onSecret);
}

/** State/plan `values` blocks: outputs with `sensitive: true` and resources with `sensitive_values`. */
function redactValues(values: unknown, onSecret: OnSecret): void {
  if (!isObject(values)) return;
  if (isObject(values.outputs)) {
    for (const output of Object.values(values.outputs)) {
      if (isObject(output) && output.sensitive === true) {
        (output as Mutable).value = redactValue(output.value, true, onSecret);
      }
    }
  }
  redactModule(values.root_module, onSecret);
}

function redactVariables(doc: JsonObject, onSecret: OnSecret): void {
  const config = isObject(doc.configuration) ? doc.configuration : {};
  const root = isObject(config.root_module) ? config.root_module : {};
  const declared = isObject(root.variables) ? root.variables : {};
  const values = isObject(doc.variables) ? doc.variables : {};
  for (const [name, declaration] of Object.entries(declared)) {
    if (!isObject(declaration) || declaration.sensitive !== true) continue;
    (declaration as Mutable).default = redactValue(declaration.default, true, onSecret);
    const variable = values[name];
    if (isObject(variable)) (variable as Mutable).value = redactValue(variable.value, true, onSecret);
  }
}

/** Replaces, in place, every value a plan document marks sensitive; reports each hidden scalar. */
export function redactPlanDocument(doc: JsonObject, onSecret: OnSecret): void {
  for (const key of ['resource_changes', 'resource_drift']) {
    for (const entry of asArray(doc[key])) if (isObject(entry)) redactChange(entry.change, onSecret);
  }
  if (isObject(doc.output_changes))
    for (const change of Object.values(doc.output_changes)) redactChange(change, onSecret);
  redactValues(doc.planned_values, onSecret);
  if (isObject(doc.prior_state)) redactValues(doc.prior_state.values, onSecret);
  redactVariables(doc, onSecret);
}

/** The clear-text values a JSON plan marks sensitive (empty when the text is not a JSON object). */
export function sensitiveValuesOf(planJson: string): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(planJson);
  } catch {
    return [];
  }
  if (!isObject(doc)) return [];
  const found = new Set<string>();
  redactPlanDocument(doc, (value) => found.add(value));
  return [...found];
}

import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';

/** The package's `templates/` folder: four levels up from both `src/adapters/http/ui` and `dist/adapters/http/ui`. */
export const DEFAULT_TEMPLATES_DIR = fileURLToPath(new URL('../../../../templates/', import.meta.url));

/** Renders a template with a view-model. Templates receive view-models only, never domain objects. */
export interface Views {
  readonly templatesDir: string;
  render(name: string, viewModel: object): string;
}

export interface ViewsOptions {
  readonly templatesDir?: string;
  /** Fail on printing an undefined or null value: on in tests, so a view-model gap cannot hide. */
  readonly throwOnUndefined?: boolean;
  /** Re-read templates on every render (development only). */
  readonly noCache?: boolean;
}

/**
 * The one Nunjucks Environment of a UI: autoescape ON (every `{{ }}` is HTML-escaped; the only `| safe`
 * outputs are the plan HTML and chart SVG, which their builders escape), templates compiled once and cached.
 */
export function createViews(options: ViewsOptions = {}): Views {
  const templatesDir = options.templatesDir ?? DEFAULT_TEMPLATES_DIR;
  const loader = new nunjucks.FileSystemLoader(templatesDir, { noCache: options.noCache ?? false });
  const env = new nunjucks.Environment(loader, {
    autoescape: true,
    throwOnUndefined: options.throwOnUndefined ?? false,
    trimBlocks: true,
    lstripBlocks: true,
  });
  return {
    templatesDir,
    render: (name, viewModel) => env.render(name, viewModel),
  };
}

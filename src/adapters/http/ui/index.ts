export type { PageView } from './page-view.js';
export { makeUiPlugin, type UiDeps } from './ui-plugin.js';
export { createViews, DEFAULT_TEMPLATES_DIR, type Views, type ViewsOptions } from './views.js';

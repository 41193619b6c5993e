import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { CancelTask, Queries, StartTask } from '../../../app/use-cases/use-cases.js';
import type { TokenVerifier } from '../auth.js';
import { HttpError } from '../error-mapper.js';
import type { PageView } from './page-view.js';
import type { SessionCodec } from './session.js';
import { type PageOptions, pageView } from './ui-context.js';
import type { Views } from './views.js';

/** What every UI route plugin receives: use cases by type, the views, the clock and the sign-in seams. */
export interface UiKit {
  readonly queries: Queries;
  readonly startTask: StartTask;
  readonly cancelTask: CancelTask;
  readonly views: Views;
  readonly now: () => number;
  readonly auth: TokenVerifier;
  readonly codec: SessionCodec;
  readonly sessionTtlMs: number;
  readonly assets: { readonly css: string; readonly js: string };
}

/** An error page: status, a headline saying what is wrong, and what to do about it. */
export class UiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly hints: readonly string[],
  ) {
    super(message);
    this.name = 'UiError';
  }
}

export function uiError(status: number, message: string, hints: readonly string[]): UiError {
  return new UiError(status, message, hints);
}

export function page(kit: UiKit, request: FastifyRequest, options: PageOptions): PageView {
  return pageView(kit, request, options);
}

/** Sends a rendered page; HTML is never cached (it carries the form token and live state). */
export function sendHtml(reply: FastifyReply, html: string, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
}

export function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

const HINTS_BY_STATUS: Readonly<Record<number, readonly string[]>> = {
  400: ['Check the address: stack paths are relative, with no "..", backslash or control character.'],
  404: ['Go back to the dashboard and pick a repository from the list.'],
};

/** Any error on a UI route becomes an error page (or JSON for the page script): never a stack trace. */
export function makeUiErrorHandler(kit: UiKit) {
  return (error: FastifyError | UiError | HttpError, request: FastifyRequest, reply: FastifyReply) => {
    const status =
      error instanceof UiError || error instanceof HttpError ? error.statusCode : (error.statusCode ?? 500);
    const known = error instanceof UiError || error instanceof HttpError || status < 500;
    const message = known ? error.message : 'Something went wrong while building this page';
    if (!known)
      request.log.error({ err: { message: error.message, stack: error.stack } }, 'UI request failed');
    const hints =
      error instanceof UiError
        ? error.hints
        : (HINTS_BY_STATUS[status] ?? ['Reload the page; if it keeps failing, check the driftd server log.']);
    if (wantsJson(request) || request.url.startsWith('/ui/')) {
      return reply.code(status).type('application/json').send({ error: message, hints });
    }
    const vm = {
      page: page(kit, request, { title: `${status === 404 ? 'Not found' : 'Error'}`, section: 'error' }),
      status,
      message,
      hints,
    };
    return sendHtml(reply, kit.views.render('error.njk', vm), status);
  };
}

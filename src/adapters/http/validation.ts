import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { HttpError, type HttpErrorCode } from './error-mapper.js';

/** The part of a request a schema validates, as Fastify names it. */
type HttpPart = 'body' | 'querystring' | 'params' | 'headers';

const PART_CODES: Record<HttpPart, HttpErrorCode> = {
  body: 'invalid_body',
  querystring: 'invalid_query',
  params: 'invalid_path',
  headers: 'bad_request',
};

/** One readable line from zod issues: `body.trigger: must be a short slug; body: Unrecognized key: "x"`. */
export function describeIssues(part: string, issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const where = [part === 'querystring' ? 'query' : part, ...issue.path.map(String)].join('.');
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

function isZodSchema(schema: unknown): schema is z.ZodType {
  return (
    typeof schema === 'object' && schema !== null && typeof (schema as z.ZodType).safeParse === 'function'
  );
}

/**
 * Route schemas are zod schemas: Fastify calls this compiler once per route part, and the parsed
 * (defaulted, coerced) value replaces the raw one. A failure is an `HttpError` with the part's code.
 */
export function useZodValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) => {
    if (!isZodSchema(schema)) throw new Error(`route schema for ${httpPart} is not a zod schema`);
    const part = (httpPart ?? 'body') as HttpPart;
    return (data: unknown) => {
      const parsed = schema.safeParse(data);
      if (parsed.success) return { value: parsed.data };
      return { error: new HttpError(PART_CODES[part], describeIssues(part, parsed.error.issues)) };
    };
  });
}

function jsonSyntaxReason(body: string): string {
  try {
    JSON.parse(body);
    return 'it contains a forbidden __proto__ or constructor.prototype key';
  } catch (error) {
    return error instanceof Error ? error.message : 'it is not valid JSON';
  }
}

/**
 * Accepts `application/json` only (any other content type with a body is 415), keeps Fastify's
 * prototype-poisoning protection, treats an empty JSON body as no body (so `-H 'Content-Type:
 * application/json'` without `-d` still works) and says why invalid JSON is invalid.
 */
export function useJsonBodyOnly(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    parseJson(request, text, (error, value) => {
      if (error) done(new HttpError('invalid_json', `Body is not valid JSON: ${jsonSyntaxReason(text)}`));
      else done(null, value);
    });
  });
}

import type { FastifyError, FastifyInstance } from 'fastify';
import { HttpError } from '../../errors.ts';
import { apiError, sendApiError, sendFrameworkError } from '../../error-catalogue.ts';
import { depthRefusal } from '../../ingest/json-depth.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Created } from '../../store/management.ts';

/** API errors in Svix's shape: `{ "code", "detail" }`; validation failures are 422 naming the field. */
export function apiErrors(app: FastifyInstance, log: Logger, maxDepth: number): void {
  app.setErrorHandler((err: FastifyError | HttpError, req, reply) => {
    if (err instanceof HttpError) return reply.code(err.status).send({ code: err.code, detail: err.message });
    const fe = err as FastifyError;
    if (fe.validation) {
      const detail = fe.validation
        .map((v) => {
          const field = `${fe.validationContext ?? 'request'}${v.instancePath.replaceAll('/', '.')}`;
          const missing = (v.params as { missingProperty?: string }).missingProperty;
          return `${missing ? `${field}.${missing}` : field}: ${v.message ?? 'is invalid'}`;
        })
        .join('; ');
      return sendApiError(reply, 'validation', detail);
    }
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendApiError(reply, 'payload_too_large', fe.message);
    const status = fe.statusCode ?? 500;
    if (status < 500) return sendFrameworkError(reply, 'api', { statusCode: status, message: fe.message, code: fe.code });
    log.error({ err, url: req.url }, 'api: unexpected error');
    return sendApiError(reply, 'internal_error', 'the gateway failed to handle this request');
  });
  // Svix's clients send `content-type: application/json` on POSTs without a body (resend, recover).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) => {
    if (text === '') return done(null, undefined);
    const deep = depthRefusal(text as string, maxDepth);
    if (deep) return done(apiError('validation', `body: ${deep}`), undefined);
    try {
      done(null, JSON.parse(text as string));
    } catch (err) {
      done(apiError('invalid_json', `the body is not valid JSON: ${(err as Error).message}`, { cause: err }), undefined);
    }
  });
  app.setNotFoundHandler((req, reply) => sendApiError(reply, 'not_found', `no route ${req.method} ${req.url.split('?')[0]}`));
}

export function notFound(what: string): HttpError {
  return apiError('not_found', `${what} not found`);
}

/** A 422 naming the field: `body.url: must be https`. */
export function validation(field: string, message: string): HttpError {
  return apiError('validation', `${field}: ${message}`);
}

/** The record of a write, or 409 naming the taken uid or name. */
export function created<T>(result: Created<T>): T {
  if ('conflict' in result) throw apiError('conflict', result.conflict);
  return result.ok;
}

import type { FastifyRequest } from 'fastify';
import { apiError } from '../../error-catalogue.ts';

/**
 * For routes declared with `attachValidation`: a query that failed its schema
 * becomes a 400 naming the parameter (`after: must match format "date-time"`).
 */
export function rejectBadQuery(req: FastifyRequest): void {
  const err = req.validationError as
    | (Error & { validation?: Array<{ instancePath: string; message?: string; params?: Record<string, unknown> }> })
    | undefined;
  if (!err) return;
  const detail =
    (err.validation ?? [])
      .map((v) => {
        const extra = v.params?.additionalProperty;
        if (typeof extra === 'string') return `${extra}: unknown parameter`;
        const name = v.instancePath.replace(/^\//, '').split('/')[0] || (v.params?.missingProperty as string | undefined) || 'query';
        return `${name}: ${v.message ?? 'is invalid'}`;
      })
      .join('; ') || err.message;
  throw apiError('bad_request', detail);
}

/** An ISO 8601 time parameter as ms, or a 400 naming it. */
export function timeParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{4}-\d\d-\d\d/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw apiError('bad_request', `${name}: "${value.slice(0, 40)}" is not an ISO 8601 time (2026-01-31T12:00:00Z)`);
  return ms;
}

/** What every route file needs: the module type, the caller's principal, and query parsing. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Ajv, type ErrorObject } from 'ajv';
import type { TSchema, Static } from 'typebox';
import { ParapetError } from '../../core/errors.js';
import type { Principal } from '../../auth/principal.js';
import type { Action } from '../../auth/policy.js';
import type { HubDeps } from '../../hub-deps.js';

export type RouteModule = (app: FastifyInstance, deps: HubDeps) => void;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The policy action of this route (src/auth/policy.ts); 'public' only for healthz and login. */
    action?: Action | 'public';
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new ParapetError('unauthenticated');
  return req.principal;
}

const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: false, strict: false });
const compiled = new WeakMap<TSchema, ReturnType<typeof ajv.compile>>();

function describe(e: ErrorObject | undefined): string {
  if (!e) return 'invalid parameters';
  if (e.keyword === 'additionalProperties') return `unknown parameter ${String((e.params as { additionalProperty: string }).additionalProperty)}`;
  const at = e.instancePath.replace(/^\//, '');
  if (e.keyword === 'required') return `${String((e.params as { missingProperty: string }).missingProperty)} is required`;
  return `${at || 'value'} ${e.message ?? 'is invalid'}`;
}

/** Validates (and coerces) query strings or bodies against a TypeBox schema; 400 naming the parameter. */
export function parseWith<S extends TSchema>(schema: S, value: unknown, code: 'invalid_query' | 'bad_request' = 'invalid_query'): Static<S> {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  const copy: unknown = value && typeof value === 'object' ? { ...(value as Record<string, unknown>) } : value;
  if (!v(copy)) throw new ParapetError(code, describe(v.errors?.[0]));
  return copy as Static<S>;
}

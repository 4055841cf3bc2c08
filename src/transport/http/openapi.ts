/**
 * The OpenAPI document (SPEC §3: /api/v1/openapi.json), generated from the routes' own schemas
 * (STYLE §10), so the document cannot drift from what the server validates. Each operation lists
 * the roles allowed by the policy table in `x-parapet-action`.
 */
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { Ajv } from 'ajv';
import { ParapetError } from '../../core/errors.js';

export async function registerOpenApi(api: FastifyInstance): Promise<void> {
  const ajv = new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
  api.setValidatorCompiler(({ schema }) => ajv.compile(schema));
  api.setSchemaErrorFormatter((errors, dataVar) => {
    const e = errors[0];
    const code = dataVar === 'body' ? 'bad_request' : 'invalid_query';
    if (!e) return new ParapetError(code);
    const at = e.instancePath.replace(/^\//, '').replaceAll('/', '.');
    if (e.keyword === 'additionalProperties') {
      return new ParapetError(code, `unknown ${dataVar} field ${String((e.params as { additionalProperty?: string }).additionalProperty)}`);
    }
    if (e.keyword === 'required') {
      return new ParapetError(code, `${dataVar} field ${String((e.params as { missingProperty?: string }).missingProperty)} is required`);
    }
    return new ParapetError(code, `${dataVar}${at ? '.' + at : ''} ${e.message ?? 'is invalid'}`);
  });
  await api.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Parapet API', version: '1.0.0', description: 'Operations hub of a smart district (SPEC §3).' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'parapet_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: ({ schema, url, route }) => {
      const action = route.config?.action;
      const s = { ...(schema ?? {}) } as Record<string, unknown>;
      if (action) s['x-parapet-action'] = action;
      if (action === 'public') s.security = [];
      return { schema: s, url };
    },
  });
  api.get('/openapi.json', { config: { action: 'self.read' } }, async () => api.swagger());
}

/**
 * Loads the configuration once: defaults < file (JSON or YAML) < PARAPET_* environment < flags.
 * Unknown keys anywhere are rejected with the key's path; the result is deeply frozen.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import YAML from 'yaml';
import type { TSchema } from 'typebox';
import { ConfigSchema, DEFAULT_HTTP_PORT, DEFAULT_MQTT_PORT, type Config } from './schema.js';
import { ParapetError } from '../core/errors.js';

export type ConfigOverrides = Record<string, unknown>;

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  default?: unknown;
}

/** Nested objects default to {} so their own defaults apply when the section is absent. */
function withObjectDefaults(schema: TSchema): TSchema {
  const copy = structuredClone(schema) as SchemaNode;
  const walk = (n: SchemaNode): void => {
    if (n.type === 'object' && n.properties) {
      for (const child of Object.values(n.properties)) {
        if (child.type === 'object' && child.default === undefined) child.default = {};
        walk(child);
      }
    }
  };
  walk(copy);
  const props = copy.properties;
  if (props?.http?.properties?.port) props.http.properties.port.default = DEFAULT_HTTP_PORT;
  if (props?.mqtt?.properties?.port) props.mqtt.properties.port.default = DEFAULT_MQTT_PORT;
  return copy;
}

const ajv = new Ajv({ useDefaults: true, coerceTypes: true, allErrors: true, strict: false });
const validateConfig = ajv.compile(withObjectDefaults(ConfigSchema));

/** Every leaf path of the schema, e.g. ['http','port'], for environment overrides. */
function leafPaths(n: SchemaNode, prefix: string[] = []): string[][] {
  if (n.type === 'object' && n.properties) {
    return Object.entries(n.properties).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
  }
  return [prefix];
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    if (v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)) {
      out[k] = deepMerge(b as Record<string, unknown>, v as Record<string, unknown>);
    } else if (v !== undefined) {
      out[k] = v;
    }
  }
  return out;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => {
      const at = e.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(root)';
      if (e.keyword === 'additionalProperties') return `unknown key ${at === '(root)' ? '' : at + '.'}${String((e.params as { additionalProperty: string }).additionalProperty)}`;
      return `${at} ${e.message ?? 'is invalid'}`;
    })
    .join('; ');
}

export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ParapetError('invalid_config', `cannot read config file ${file}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = /\.ya?ml$/i.test(file) ? YAML.parse(text) : JSON.parse(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('top level must be an object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new ParapetError('invalid_config', `config file ${file} is not valid: ${(err as Error).message}`);
  }
}

export function envOverrides(env: Record<string, string | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of leafPaths(ConfigSchema as unknown as SchemaNode)) {
    const name = 'PARAPET_' + path.join('_').toUpperCase();
    const value = env[name];
    if (value !== undefined && value !== '') setPath(out, path, value);
  }
  return out;
}

export interface LoadConfigOptions {
  file?: string;
  env?: Record<string, string | undefined>;
  /** Already-nested overrides from flags, e.g. { http: { port: 9000 } }. */
  flags?: ConfigOverrides;
}

export function loadConfig(opts: LoadConfigOptions = {}): Readonly<Config> {
  const fromFile = opts.file ? readConfigFile(opts.file) : {};
  const merged = deepMerge(deepMerge(fromFile, envOverrides(opts.env ?? {})), opts.flags ?? {});
  const candidate = structuredClone(merged);
  if (!validateConfig(candidate)) throw new ParapetError('invalid_config', describe(validateConfig.errors));
  return deepFreeze(candidate as unknown as Config);
}

/** A config for tests: defaults plus the given overrides, validated the same way. */
export function testConfig(flags: ConfigOverrides = {}): Readonly<Config> {
  return loadConfig({ flags });
}

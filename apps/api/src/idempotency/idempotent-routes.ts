import { RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants';
import { ACCESS_POLICY, AccessPolicy } from '@ringfence/access';
import { AUDITED_ACTION, declaredSecretFields } from '@ringfence/audit';
import { isIdempotent } from './idempotent.decorator';

const MUTATING = new Set<RequestMethod>([RequestMethod.POST, RequestMethod.PUT, RequestMethod.PATCH, RequestMethod.DELETE]);
/** Where @nestjs/swagger keeps a route's responses and a model's properties (its DECORATORS, which it does not export). */
const API_RESPONSES = 'swagger/apiResponse';
const MODEL_PROPERTIES = 'swagger/apiModelPropertiesArray';
const MODEL_PROPERTY = 'swagger/apiModelProperties';

/**
 * What is wrong with the `@Idempotent()` routes of `controller`, one line each (none: all
 * is well). Such a route is a mutation (POST, PUT, PATCH, DELETE) of API keys (`@Scopes`:
 * its key's scope is the caller's workspace and environment) or of admins (`@AdminRoles`: the
 * admin's own), `@Audited` (its transaction,
 * in which the answer is stored), and its documented answers carry no field an owner
 * declared secret (`declareAuditRedactions`): a stored answer is replayed as it was.
 */
export function idempotentRouteProblems(controller: Type): string[] {
  const problems: string[] = [];
  const prototype = controller.prototype as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(prototype)) {
    const handler = prototype[name];
    if (name === 'constructor' || typeof handler !== 'function' || !isIdempotent(handler)) continue;
    const route = `${controller.name}.${name}`;
    const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
    if (method === undefined || !MUTATING.has(method)) problems.push(`${route}: @Idempotent() is for POST, PUT, PATCH and DELETE routes`);
    const policy = (Reflect.getMetadata(ACCESS_POLICY, handler) ?? Reflect.getMetadata(ACCESS_POLICY, controller)) as
      AccessPolicy | undefined;
    if (policy?.kind !== 'api_key' && policy?.kind !== 'admin')
      problems.push(`${route}: @Idempotent() is for API-key routes (@Scopes) and admin routes (@AdminRoles): its keys are theirs`);
    if (Reflect.getMetadata(AUDITED_ACTION, handler) === undefined) {
      problems.push(`${route}: @Idempotent() needs @Audited(...), whose transaction stores the answer with the mutation`);
    }
    const responses = (Reflect.getMetadata(API_RESPONSES, handler) as Record<string, { type?: unknown }> | undefined) ?? {};
    const secrets = declaredSecretFields();
    for (const [status, response] of Object.entries(responses)) {
      if (!/^2\d\d$/.test(status)) continue;
      for (const field of secretFieldsOf(response.type, secrets)) {
        problems.push(`${route}: its ${status} answer has the secret field "${field}", and a replay would send it again`);
      }
    }
  }
  return problems;
}

/** The properties of a documented model (and the models in it), at any depth, whose names are declared secret. */
function secretFieldsOf(type: unknown, secrets: ReadonlySet<string>, seen = new Set<unknown>()): string[] {
  const model = modelOf(type);
  if (!model || seen.has(model)) return [];
  seen.add(model);
  const prototype = model.prototype as object;
  const found: string[] = [];
  for (const entry of (Reflect.getMetadata(MODEL_PROPERTIES, prototype) as string[] | undefined) ?? []) {
    const property = entry.replace(/^:/, '');
    if (secrets.has(property)) found.push(property);
    const inner = (Reflect.getMetadata(MODEL_PROPERTY, prototype, property) as { type?: unknown } | undefined)?.type;
    found.push(...secretFieldsOf(inner, secrets, seen).map((field) => `${property}.${field}`));
  }
  return found;
}

/** A model class from a documented `type`: the class, `[Class]`, or Swagger's lazy `() => Class`. */
function modelOf(type: unknown): (abstract new () => unknown) | undefined {
  const one: unknown = Array.isArray(type) ? type[0] : type;
  if (typeof one !== 'function') return undefined;
  if (one.prototype === undefined) return modelOf((one as () => unknown)());
  return one as abstract new () => unknown;
}

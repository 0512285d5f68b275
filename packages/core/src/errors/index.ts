/**
 * Typed errors with stable codes. Every error class in Sluice is made with `defineError`, so
 * each has a code that never changes, an HTTP status and a title; the server turns them into
 * RFC 9457 problem+json, the CLI prints title, detail and fields.
 *
 * Codes are catalogued in `catalog()` (like Fastify's lib/errors.js): a test checks that no two
 * definitions share a code.
 */

/** One bad field: a JSON path such as `spec.stages[2].strategy`, and what is wrong with it. */
export interface FieldError {
  path: string;
  message: string;
}

export interface ErrorDefinition {
  code: string;
  status: number;
  title: string;
}

export interface SluiceErrorOptions {
  fields?: FieldError[];
  cause?: unknown;
  /** Extra members for the problem document (e.g. `current` version on a conflict). */
  extensions?: Record<string, unknown>;
}

export class SluiceError extends Error {
  readonly code: string;
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly fields: FieldError[];
  readonly extensions: Record<string, unknown>;

  constructor(def: ErrorDefinition, detail: string, options: SluiceErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SluiceError';
    this.code = def.code;
    this.status = def.status;
    this.title = def.title;
    this.detail = detail;
    this.fields = options.fields ?? [];
    this.extensions = options.extensions ?? {};
  }
}

const registry = new Map<string, ErrorDefinition>();

/**
 * Declares an error kind. Returns a factory: `NotFound('flag "x" does not exist')`.
 * @example
 * export const FlagNotFound = defineError('FLAG_NOT_FOUND', 404, 'Flag not found');
 * throw FlagNotFound(`flag "${key}" does not exist in ${env}`);
 */
export function defineError(code: string, status: number, title: string) {
  const existing = registry.get(code);
  if (existing && (existing.status !== status || existing.title !== title)) {
    throw new Error(`error code ${code} is defined twice with different meanings`);
  }
  const def: ErrorDefinition = { code, status, title };
  registry.set(code, def);
  const make = (detail: string, options?: SluiceErrorOptions) => new SluiceError(def, detail, options);
  return Object.assign(make, {
    definition: def,
    is: (e: unknown): e is SluiceError => isSluiceError(e, code),
  });
}

export function isSluiceError(e: unknown, code?: string): e is SluiceError {
  return e instanceof SluiceError && (code === undefined || e.code === code);
}

/** Every error kind defined so far (codes are stable; see docs/errors.md). */
export function catalog(): ErrorDefinition[] {
  return [...registry.values()].sort((a, b) => a.code.localeCompare(b.code));
}

// Errors shared by every slice.
export const ValidationFailed = defineError('VALIDATION_FAILED', 400, 'The request is not valid');
export const NotFound = defineError('NOT_FOUND', 404, 'Not found');
export const Conflict = defineError('VERSION_CONFLICT', 409, 'The resource changed since you read it');
export const AlreadyExists = defineError('ALREADY_EXISTS', 409, 'Already exists');
export const Unauthorized = defineError('UNAUTHORIZED', 401, 'A valid bearer token is required');
export const Forbidden = defineError('FORBIDDEN', 403, 'The token does not have the required scope');
export const PayloadTooLarge = defineError('PAYLOAD_TOO_LARGE', 413, 'The request body is too large');
export const UnsupportedMediaType = defineError('UNSUPPORTED_MEDIA_TYPE', 415, 'Unsupported media type');
export const Internal = defineError('INTERNAL', 500, 'Internal error');

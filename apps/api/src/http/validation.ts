import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError } from '@ataa/common';

function flatten(errors: ValidationError[], parent = ''): { field: string; messages: string[] }[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, messages: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The first field (path) holding text that no column can store: NUL (PostgreSQL refuses it) or a lone
 * surrogate (jsonb refuses it; UTF-8 cannot encode it). Free-text fields have the full text policy
 * (@UserText); this covers every other string (e-mails, passwords, tokens, cursors), whatever it is.
 */
export function unstorableTextField(value: unknown, path = '', depth = 0): string | null {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path || 'value' : null;
  if (depth > 8 || value === null || typeof value !== 'object') return null;
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const found = unstorableTextField(key, path, depth + 1) ?? unstorableTextField(item, path ? `${path}.${key}` : key, depth + 1);
    if (found) return found;
  }
  return null;
}

/** Deeper than any DTO nests (a few levels); class-transformer recurses per level and overflows the stack. */
export const MAX_INPUT_DEPTH = 32;

/** Whether `value` nests arrays/objects deeper than `max` levels (iterative: the input may be very deep). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(item as Record<string, unknown>)) stack.push([child, depth + 1]);
  }
  return false;
}

class TextSafeValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Only for DTO-shaped input: handlers that take a raw record (the hosted forms) check it themselves
    // and answer with a page, not a problem document.
    const typed = typeof metadata.metatype === 'function' && metadata.metatype !== Object;
    if (typed && (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param')) {
      if (nestedDeeperThan(value, MAX_INPUT_DEPTH)) {
        const message = `The input nests deeper than ${MAX_INPUT_DEPTH} levels`;
        throw new DomainError('validation_failed', message, 400, { errors: [{ field: metadata.data ?? metadata.type, messages: [message] }] });
      }
      const field = unstorableTextField(value, metadata.type === 'param' ? (metadata.data ?? '') : '');
      if (field) {
        const message = `${field} is not valid text (NUL or a lone surrogate)`;
        throw new DomainError('validation_failed', message, 400, { errors: [{ field, messages: [message] }] });
      }
    }
    return super.transform(value, metadata);
  }
}

/**
 * Whitelist, forbid unknown properties (no mass assignment), transform; refuse text no column can
 * store and input nested deeper than MAX_INPUT_DEPTH; failures are 400 validation_failed.
 */
export function createValidationPipe(): ValidationPipe {
  return new TextSafeValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      return new DomainError('validation_failed', fields.map((f) => `${f.field}: ${f.messages.join(', ')}`).join('; ') || 'Invalid input', 400, { errors: fields });
    },
  });
}

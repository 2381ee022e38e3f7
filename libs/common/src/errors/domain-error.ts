/**
 * A failure the caller can act on. `code` is stable and machine-readable; `status` is the HTTP
 * status the single exception filter maps it to. Messages are safe to show to the caller.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, code = 'not_found') {
    super(code, `${what} was not found`, 404);
  }
}

export class ConflictError extends DomainError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, 409, details);
  }
}

export class ForbiddenError extends DomainError {
  constructor(code = 'forbidden', message = 'You are not allowed to do this') {
    super(code, message, 403);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(code = 'unauthorized', message = 'Authentication is required') {
    super(code, message, 401);
  }
}

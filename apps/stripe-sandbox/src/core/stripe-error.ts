/** An error answered the way Stripe answers: `{"error": {type, code, message, param}}` with its HTTP status. */
export type StripeErrorType =
  | 'api_error'
  | 'card_error'
  | 'idempotency_error'
  | 'invalid_request_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  doc_url?: string;
  request_log_url?: string;
  [key: string]: unknown;
}

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
    this.name = 'StripeApiError';
  }

  toJSON(): { error: StripeErrorBody } {
    const body: StripeErrorBody = { ...this.body };
    if (body.code && !body.doc_url) body.doc_url = `https://stripe.com/docs/error-codes/${body.code.replace(/_/g, '-')}`;
    return { error: body };
  }
}

export const invalidRequest = (message: string, code?: string, param?: string, status = 400) =>
  new StripeApiError(status, { type: 'invalid_request_error', message, ...(code ? { code } : {}), ...(param ? { param } : {}) });

export const missingParam = (param: string) =>
  invalidRequest(`Missing required param: ${param}.`, 'parameter_missing', param);

export const unknownParam = (param: string) =>
  invalidRequest(`Received unknown parameter: ${param}`, 'parameter_unknown', param);

/** Stripe names the object type in a 404: "No such checkout.session: 'cs_test_x'". */
export const noSuch = (what: string, id: string, param = 'id') =>
  invalidRequest(`No such ${what}: '${id}'`, 'resource_missing', param, 404);

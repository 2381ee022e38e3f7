/**
 * Stripe's answers to bad parameters, as Stripe documents and sends them, for the contract suite to
 * compare both targets with. Codes: Stripe's error codes reference (https://docs.stripe.com/error-codes),
 * which the `stripe` package carries as `PaymentIntent.LastPaymentError.Code`; a kind of error with no
 * code there (a value outside an enum, a malformed boolean) is answered without one. Messages: the
 * wording Stripe's API sends (e.g. "Invalid locale: must be one of auto, bg, ..., zh-HK, or zh-TW",
 * quoted in nursit/bank#95 from a real Checkout Session create).
 */
export const DOCUMENTED = {
  /** parameter_unknown: "The request contains one or more unexpected parameters." */
  unknown: (param: string) => ({ type: 'invalid_request_error', code: 'parameter_unknown', param, message: `Received unknown parameter: ${param}` }),
  /** parameter_missing: "One or more required values are missing." */
  missing: (param: string) => ({ type: 'invalid_request_error', code: 'parameter_missing', param, message: `Missing required param: ${param}.` }),
  /** parameter_invalid_empty: "One or more required values were not provided. Make sure requests include all required parameters." */
  empty: (param: string) => ({
    type: 'invalid_request_error', code: 'parameter_invalid_empty', param,
    message: `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
  }),
  /** parameter_invalid_integer: "One or more of the parameters requires an integer, but the values provided were a different type." */
  integer: (param: string, value: string) => ({ type: 'invalid_request_error', code: 'parameter_invalid_integer', param, message: `Invalid integer: ${value}` }),
  /** A value outside an enum: no code. */
  enumValue: (param: string, values: readonly string[]) => ({
    type: 'invalid_request_error', code: undefined, param,
    message: `Invalid ${param}: must be one of ${values.slice(0, -1).join(', ')}, or ${values[values.length - 1]}`,
  }),
} as const;

/**
 * The shape of the generated parameter rules (generated/param-rules.ts, written by
 * scripts/generate-stripe-param-rules.mjs from the `stripe` package's params types).
 */
export type ParamRule = (
  | { type: 'string' }
  | { type: 'integer' }
  /** A number Stripe takes with decimals (percentages). */
  | { type: 'float' }
  | { type: 'boolean' }
  /** A decimal written as a string (`unit_amount_decimal`). */
  | { type: 'decimal' }
  | { type: 'enum'; values: string[] }
  /** Stripe's metadata: keys chosen by the caller, string (or number) values, '' unsets one. */
  | { type: 'metadata' }
  | { type: 'map'; values: ParamRule }
  | { type: 'object'; properties: Record<string, ParamRule> }
  | { type: 'array'; items: ParamRule }
  /** One of several (`created`: an integer or a range object). */
  | { type: 'anyOf'; options: ParamRule[] }
) & {
  required?: boolean;
  /** Accepts '' (stripe-node's null), which unsets the parameter. */
  emptyable?: boolean;
};

export interface EndpointRules {
  /** Where the rules came from: the `stripe` method and its params type. */
  stripe: string;
  params: Record<string, ParamRule>;
}

import { StripeObject } from './state-store.js';
import { invalidRequest } from './stripe-error.js';

/** Stripe allows up to four levels in one expand path. */
const MAX_DEPTH = 4;

export type Resolver = (id: string) => StripeObject | undefined;
/** Expansions that are not a stored id (e.g. a checkout session's `line_items`). */
export type SpecialExpander = (owner: StripeObject, field: string) => StripeObject | undefined;

/**
 * Applies `expand[]` paths to a response (which must already be a private copy): each path names
 * fields holding an id, replaced by the object it names; `data.` walks into list items.
 */
export function expand(target: StripeObject, paths: string[], resolve: Resolver, special: SpecialExpander = () => undefined): StripeObject {
  for (const path of paths) {
    const parts = path.split('.');
    if (parts.length > MAX_DEPTH + (target.object === 'list' ? 1 : 0)) {
      throw invalidRequest(`You cannot expand more than ${MAX_DEPTH} levels of a property. Property: ${path}`, undefined, 'expand');
    }
    walk(target, parts, path, resolve, special);
  }
  return target;
}

function walk(node: StripeObject, parts: string[], path: string, resolve: Resolver, special: SpecialExpander): void {
  const [field, ...rest] = parts;
  if (node.object === 'list' && field === 'data' && Array.isArray(node.data)) {
    if (rest.length === 0) throw invalidRequest(`This property cannot be expanded (${path}).`, undefined, 'expand');
    for (const item of node.data) walk(item, rest, path, resolve, special);
    return;
  }
  let value = node[field];
  if (value === null) return;
  if (typeof value === 'string' || value === undefined) {
    const found = special(node, field) ?? (typeof value === 'string' ? resolve(value) : undefined);
    if (!found) throw invalidRequest(`This property cannot be expanded (${path}).`, undefined, 'expand');
    value = structuredClone(found);
    node[field] = value;
  }
  if (rest.length > 0 && value && typeof value === 'object') walk(value as StripeObject, rest, path, resolve, special);
}

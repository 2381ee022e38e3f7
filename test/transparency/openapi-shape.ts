/**
 * Where a JSON answer and its OpenAPI schema disagree on shape: a key the answer has that the schema
 * does not declare, or a required key the answer lacks. Values are not type-checked beyond arrays
 * and objects: the point is that every field a program receives is documented, and every
 * documented field is there.
 */
type Schema = {
  $ref?: string; allOf?: Schema[]; oneOf?: Schema[]; type?: string; nullable?: boolean;
  properties?: Record<string, Schema>; required?: string[]; items?: Schema; additionalProperties?: boolean | Schema;
};
export type OpenApiSchemas = { components: { schemas: Record<string, unknown> } };

export function schemaGaps(doc: OpenApiSchemas, schema: Schema, value: unknown, path = '$'): string[] {
  const resolved = resolve(doc, schema);
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) {
    if (resolved.type !== 'array' || !resolved.items) return [`${path} is an array the schema does not declare as one`];
    return value.flatMap((item, i) => schemaGaps(doc, resolved.items!, item, `${path}[${i}]`));
  }
  if (typeof value !== 'object') return [];
  if (resolved.properties) {
    const gaps: string[] = [];
    for (const key of Object.keys(value)) {
      if (!(key in resolved.properties)) gaps.push(`${path}.${key} is not in the schema`);
      else gaps.push(...schemaGaps(doc, resolved.properties[key], (value as Record<string, unknown>)[key], `${path}.${key}`));
    }
    for (const key of resolved.required ?? []) if (!(key in value)) gaps.push(`${path}.${key} is required by the schema but missing`);
    return gaps;
  }
  if (resolved.additionalProperties === true) return [];
  if (typeof resolved.additionalProperties === 'object') {
    return Object.entries(value).flatMap(([key, v]) => schemaGaps(doc, resolved.additionalProperties as Schema, v, `${path}.${key}`));
  }
  return [`${path} is an object the schema does not describe`];
}

function resolve(doc: OpenApiSchemas, schema: Schema): Schema {
  if (schema.$ref) return resolve(doc, doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')] as Schema);
  if (schema.allOf?.length === 1) return resolve(doc, schema.allOf[0]);
  return schema;
}

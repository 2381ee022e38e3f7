import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiParam, ApiProperty, ApiPropertyOptional, ApiResponse, ApiSecurity, getSchemaPath } from '@nestjs/swagger';

/** RFC 9457 problem document, as every error leaves the API. */
export class ProblemDto {
  @ApiProperty({ example: 'https://ataa.dev/problems/validation_failed' }) type: string;
  @ApiProperty({ example: 'Bad request' }) title: string;
  @ApiProperty({ example: 400 }) status: number;
  @ApiProperty({ example: 'validation_failed', description: 'Stable machine-readable code' }) code: string;
  @ApiPropertyOptional() detail?: string;
  @ApiPropertyOptional({ type: 'array', items: { type: 'object' } }) errors?: unknown[];
  @ApiPropertyOptional({ description: 'Only on 500: quote it to support' }) errorId?: string;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (`validation_failed`, or a domain code such as `amount_below_minimum`)',
  401: 'Not authenticated (`unauthorized`, `invalid_token`, `invalid_credentials`)',
  403: 'Authenticated, but the role does not allow this (`forbidden_role`)',
  404: 'Not found, or not visible to the caller\'s organization (`not_found`)',
  409: 'Conflicts with the current state (`version_conflict`, `invalid_transition`, `slug_taken`, ...)',
  413: 'The uploaded file is too large (`evidence_file_too_large`, `image_too_large`)',
  415: 'The uploaded file is not of an accepted type, or the body is not multipart/form-data (`evidence_file_type`, `image_type`)',
  422: 'Well-formed, but names something that does not exist (`update_image_not_found`)',
  429: 'Too many attempts (`rate_limited`)',
  500: 'Unexpected failure: the problem carries only an `errorId` to quote to support',
  502: 'Stripe could not complete the request (`stripe_unavailable`)',
  503: 'A dependency (PostgreSQL, Redis) is unavailable (`service_unavailable`, with `checks`), or too many ledger exports are streaming (`exports_busy`, with Retry-After)',
};

/** Documents the problem responses an endpoint can give. */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...statuses.map((status) => ApiResponse({ status, description: DESCRIPTIONS[status] ?? 'Error', content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } } })),
  );
}

/**
 * An organization-scoped endpoint: user bearer token or organization API key; 401/403/404 possible.
 * The `orgId` path parameter is read by the guard, not by a handler's @Param, so it is declared here.
 */
export function ApiOrgAuth() {
  return applyDecorators(
    ApiParam({ name: 'orgId', format: 'uuid', description: 'The caller\'s organization (another organization\'s id answers 404)' }),
    ApiBearerAuth(),
    ApiSecurity('apiKey'),
    ApiProblems(401, 403, 404),
  );
}

import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKey, ApiKeyDto, ApiKeysService, AuthGuard, CreateApiKeyDto, CreatedApiKeyDto, CurrentPrincipal, IdParamPipe, Roles, type Principal } from '@ataa/organizations';
import { ApiOrgAuth, ApiProblems } from './api-docs.js';

const toApiKeyDto = (k: ApiKey): ApiKeyDto => ({
  id: k.id, name: k.name, role: k.role, prefix: k.keyPrefix, createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null, revokedAt: k.revokedAt?.toISOString() ?? null,
});

@ApiTags('api-keys')
@Controller('orgs/:orgId/api-keys')
@UseGuards(AuthGuard)
@Roles('owner')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiOrgAuth()
  @ApiProblems(400)
  @ApiOperation({ summary: 'Create an API key (owner)', description: 'The key is in this response only; we keep its hash. Keys carry the role admin, finance or viewer.' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const { apiKey, secret } = await this.apiKeys.create(principal, body);
    return { ...toApiKeyDto(apiKey), key: secret };
  }

  @Get()
  @ApiOrgAuth()
  @ApiOperation({ summary: 'API keys of the organization, without their secrets (owner)' })
  @ApiOkResponse({ type: [ApiKeyDto] })
  async list(@CurrentPrincipal() principal: Principal): Promise<ApiKeyDto[]> {
    return (await this.apiKeys.list(principal.organizationId)).map(toApiKeyDto);
  }

  @Delete(':apiKeyId')
  @HttpCode(204)
  @ApiOrgAuth()
  @ApiOperation({ summary: 'Revoke an API key (owner); it stops working at once' })
  @ApiNoContentResponse()
  async revoke(@CurrentPrincipal() principal: Principal, @Param('apiKeyId', IdParamPipe) apiKeyId: string): Promise<void> {
    await this.apiKeys.revoke(principal, apiKeyId);
  }
}

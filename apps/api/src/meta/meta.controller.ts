import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../organizations/api-docs.js';

export class ApiMetaDto {
  @ApiProperty({ example: 'ataa' }) name: string;
  @ApiProperty({ example: 'v1' }) apiVersion: string;
}

const META: ApiMetaDto = { name: 'ataa', apiVersion: 'v1' };

@ApiTags('operations')
@Controller('meta')
export class MetaController {
  /** A tiny, dependency-free JSON answer: what clients (and the benchmark) use to see the API is up. */
  @Get()
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'What this API is and its version (no dependencies: a cheap liveness probe for clients)' })
  @ApiOkResponse({ type: ApiMetaDto })
  @ApiProblems(500)
  meta(): ApiMetaDto {
    return META;
  }
}

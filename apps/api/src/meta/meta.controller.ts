import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';

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
  @ApiOkResponse({ type: ApiMetaDto })
  meta(): ApiMetaDto {
    return META;
  }
}

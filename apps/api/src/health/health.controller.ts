import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ApiProblems } from '../organizations/api-docs.js';
import { RedisHealthIndicator } from './redis-health.indicator.js';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is up and serving' })
  @ApiOkResponse({ description: 'Up', schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } }, required: ['status'] } })
  @ApiProblems(500)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  // Our own OpenAPI description below: terminus's (added since Node 22 can require() @nestjs/swagger) would
  // replace the 503 problem document with its own shape.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({ summary: 'Readiness: PostgreSQL and Redis answer; 503 while one is down' })
  @ApiOkResponse({
    description: 'Every dependency answers',
    schema: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['ok'] },
        info: { type: 'object', additionalProperties: { type: 'object', properties: { status: { type: 'string', enum: ['up'] } } } },
        details: { type: 'object', additionalProperties: { type: 'object', properties: { status: { type: 'string' } } } },
      },
    },
  })
  @ApiProblems(503)
  ready() {
    return this.health.check([
      () => this.db.pingCheck('postgres', { timeout: 1500 }),
      () => this.redis.isHealthy('redis'),
    ]);
  }
}

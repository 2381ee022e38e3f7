import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { NotFoundError } from '@ataa/common';
import { CoverImagesService } from '@ataa/campaigns';

/**
 * Uploaded campaign covers at a stable public path (outside /api/v1): `/media/covers/<sha256>.<ext>`.
 * The name is the content's hash, so the answer never changes and is cached for a year; the type is
 * the one the bytes were checked to be, and nosniff keeps browsers from guessing another.
 */
@ApiExcludeController()
@Controller('media')
export class CoverImagesController {
  constructor(private readonly covers: CoverImagesService) {}

  @Get('covers/:key')
  async cover(@Param('key') key: string, @Res() reply: FastifyReply): Promise<void> {
    const found = await this.covers.read(key);
    if (!found) throw new NotFoundError('Image');
    void reply
      .status(200)
      .header('content-type', found.contentType)
      .header('content-length', String(found.bytes.length))
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .header('content-disposition', 'inline')
      .send(found.bytes);
  }
}

import { Injectable, PipeTransform } from '@nestjs/common';
import { NotFoundError } from '@ataa/common';
import { isUuid } from './request-credentials.js';

/**
 * For `:somethingId` route params: anything that is not a UUID cannot name an object, so it is a
 * 404 like any other id the caller cannot see (never a 400 that tells ids apart).
 */
@Injectable()
export class IdParamPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUuid(value)) throw new NotFoundError('Resource');
    return value.toLowerCase();
  }
}

import { Injectable } from '@nestjs/common';
import type { DataExportMailData, DataExportMailSource } from '@ataa/notifications';
import { DataExportService } from './data-export.service.js';

/** Reads an export request for its e-mail (the notifications worker calls it through DATA_EXPORT_MAIL_SOURCE). */
@Injectable()
export class DataExportMailSourceImpl implements DataExportMailSource {
  constructor(private readonly exports: DataExportService) {}

  async load(requestId: string): Promise<DataExportMailData | null> {
    const found = await this.exports.mailData(requestId);
    if (!found) return null;
    const { request, token, holdsDonor } = found;
    const status = request.usedAt ? 'used' : request.expiresAt.getTime() <= Date.now() ? 'expired' : holdsDonor ? 'pending' : 'nothing_held';
    return { requestId: request.id, email: request.email, language: request.language, expiresAt: request.expiresAt, status, downloadUrl: this.exports.downloadUrl(token) };
  }
}

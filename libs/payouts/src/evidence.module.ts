import { Module } from '@nestjs/common';
import { DiskCoverImageStorage } from '@ataa/campaigns';
import { AppConfig } from '@ataa/config';
import { OrganizationsModule } from '@ataa/organizations';
import { TransparencyModule } from '@ataa/transparency';
import { EVIDENCE_FILE_STORAGE, EvidenceService } from './evidence.service.js';
import { EvidenceRepository } from './persistence/evidence.repository.js';

/** Spending evidence and impact figures (issue 21, items 3 and 4): the REST API, the dashboard and the public report use it. */
@Module({
  imports: [TransparencyModule, OrganizationsModule],
  providers: [
    EvidenceRepository, EvidenceService,
    // The campaign covers' upload adapter, in an area of its own (covers are all public; evidence may not be).
    { provide: EVIDENCE_FILE_STORAGE, inject: [AppConfig], useFactory: (config: AppConfig) => new DiskCoverImageStorage(config.UPLOAD_DIR, 'evidence') },
  ],
  exports: [EvidenceService],
})
export class EvidenceModule {}

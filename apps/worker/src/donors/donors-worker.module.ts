import { Module } from '@nestjs/common';
import { DonorsModule } from '@ataa/donors';

/** The donor page in the worker: DonorsModule renders and sends the sign-in e-mails (DONOR_SIGN_IN_SENDER). */
@Module({ imports: [DonorsModule] })
export class DonorsWorkerModule {}

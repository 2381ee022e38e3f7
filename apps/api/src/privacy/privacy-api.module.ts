import { Module } from '@nestjs/common';
import { PrivacyModule } from '@ataa/privacy';
import { OperatorErasuresController } from './operator-erasures.controller.js';
import { PrivacyPagesController } from './privacy-pages.controller.js';

/** Erasure (issue 17): the donor's pages under /privacy and the operator's endpoint under /operator/erasures. */
@Module({
  imports: [PrivacyModule],
  controllers: [PrivacyPagesController, OperatorErasuresController],
})
export class PrivacyApiModule {}

import { Module } from '@nestjs/common';
import { OrganizationsModule } from '@ataa/organizations';
import { InvitationPagesController } from './invitation-pages.controller.js';

/** The invitee's accept page (server-rendered, outside /api/v1). */
@Module({
  imports: [OrganizationsModule],
  controllers: [InvitationPagesController],
})
export class InvitationPagesModule {}

import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CampaignsService } from '@ataa/campaigns';
import { AppConfig } from '@ataa/config';
import { PUBLIC_LANGUAGES } from '../http/public-language.js';
import { robotsTxt, sitemapXml, SITEMAP_MAX_CAMPAIGNS } from './site-index.js';

/**
 * What search engines read: /robots.txt (the public pages open, the dashboard, console, operator and
 * API closed but the public API) and /sitemap.xml (each listed campaign's page and ledger in both
 * languages, hreflang-linked).
 */
@ApiExcludeController()
@Controller()
export class SiteIndexController {
  constructor(private readonly campaigns: CampaignsService, private readonly config: AppConfig) {}

  @Get('robots.txt')
  robots(@Res() reply: FastifyReply): void {
    void reply.header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'public, max-age=3600').send(robotsTxt(this.config.PUBLIC_BASE_URL));
  }

  @Get('sitemap.xml')
  async sitemap(@Res() reply: FastifyReply): Promise<void> {
    const campaigns = await this.campaigns.listedInSitemap(SITEMAP_MAX_CAMPAIGNS);
    void reply.header('content-type', 'application/xml; charset=utf-8').header('cache-control', 'public, max-age=600')
      .send(sitemapXml(this.config.PUBLIC_BASE_URL, campaigns, PUBLIC_LANGUAGES));
  }
}

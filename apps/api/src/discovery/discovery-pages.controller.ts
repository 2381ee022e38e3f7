import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CampaignDiscoveryService } from '@ataa/campaigns';
import { AppConfig } from '@ataa/config';
import { discoverView, discoveryLanguage, homeView } from './discovery.presenter.js';

/** The home page and /campaigns: server-rendered, no script, in the visitor's language (docs/discovery.md). */
@ApiExcludeController()
@Controller()
export class DiscoveryPagesController {
  /** The language cookie is Secure in production (as the dashboard's). */
  private readonly secureCookies: boolean;

  constructor(private readonly discovery: CampaignDiscoveryService, config: AppConfig) {
    this.secureCookies = config.NODE_ENV === 'production';
  }

  @Get()
  async home(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const language = discoveryLanguage(request, reply, this.secureCookies);
    const view = homeView(await this.discovery.home(), language);
    await this.send(reply, 'discovery/home.hbs', view);
  }

  @Get('campaigns')
  async campaigns(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const language = discoveryLanguage(request, reply, this.secureCookies);
    // Not strict: a wrong filter is ignored and a bad cursor starts again (a page never answers 400 to a shared link).
    const page = await this.discovery.search((request.query ?? {}) as Record<string, unknown>, false);
    await this.send(reply, 'discovery/campaigns.hbs', discoverView(page, language));
  }

  private async send(reply: FastifyReply, template: string, view: object): Promise<void> {
    const html = await reply.viewAsync(template, view);
    void reply.status(200).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').header('vary', 'Cookie, Accept-Language').send(html);
  }
}

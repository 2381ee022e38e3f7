import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CampaignDiscoveryService } from '@ataa/campaigns';
import { discoverView, discoveryLanguage, homeView } from './discovery.presenter.js';

/** The home page and /campaigns: server-rendered, no script, in the visitor's language (docs/discovery.md). */
@ApiExcludeController()
@Controller()
export class DiscoveryPagesController {
  constructor(private readonly discovery: CampaignDiscoveryService) {}

  @Get()
  async home(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const language = discoveryLanguage(request, reply);
    const view = homeView(await this.discovery.home(), language);
    await this.send(reply, 'discovery/home.hbs', view);
  }

  @Get('campaigns')
  async campaigns(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const language = discoveryLanguage(request, reply);
    // Not strict: a wrong filter is ignored and a bad cursor starts again (a page never answers 400 to a shared link).
    const [page, countries] = await Promise.all([this.discovery.search((request.query ?? {}) as Record<string, unknown>, false), this.discovery.listedCountries()]);
    await this.send(reply, 'discovery/campaigns.hbs', discoverView(page, language, countries));
  }

  private async send(reply: FastifyReply, template: string, view: object): Promise<void> {
    const html = await reply.viewAsync(template, view);
    void reply.status(200).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').header('vary', 'Cookie, Accept-Language').send(html);
  }
}

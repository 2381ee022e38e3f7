import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { StripeEventInbox, StripeWebhookVerifier } from '@ataa/payments';

/**
 * Stripe's webhooks: verify the signature over the raw body, store the event in the inbox in one
 * short statement, answer 200. Processing happens in the worker after the acknowledgement.
 * No CSRF here: the signature is the authentication.
 */
@ApiExcludeController()
@Controller('webhooks')
export class StripeWebhooksController {
  constructor(
    private readonly verifier: StripeWebhookVerifier,
    private readonly inbox: StripeEventInbox,
  ) {}

  @Post('stripe')
  @HttpCode(200)
  async receive(@Req() request: FastifyRequest & { rawBody?: Buffer }): Promise<{ received: true; duplicate: boolean }> {
    const event = this.verifier.verify(request.rawBody, request.headers['stripe-signature']);
    const { stored } = await this.inbox.receive(event);
    return { received: true, duplicate: !stored };
  }
}

import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@ataa/config';
import { WitnessRelay } from '@ataa/transparency';

/** Runs the witness relay while the worker runs, when witnesses are configured. */
@Injectable()
export class WitnessRelayRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly relay: WitnessRelay,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.TRANSPARENCY_WITNESSES.length > 0) this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}

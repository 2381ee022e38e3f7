import { Injectable, OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { AppConfig } from '@ataa/config';
import { MetricsService } from '@ataa/observability';
import { WitnessRepository } from './persistence/witness.repository.js';

/**
 * `ataa_transparency_witness_lag_entries{witness}`: entries appended to the campaign logs that the
 * witness has not cosigned yet (summed over the logs waiting for witnesses), read at scrape time.
 */
@Injectable()
export class WitnessMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly repository: WitnessRepository,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const witnesses = this.config.TRANSPARENCY_WITNESSES;
    if (witnesses.length === 0 || this.metrics.registry.getSingleMetric('ataa_transparency_witness_lag_entries')) return;
    const repository = this.repository;
    new Gauge({
      name: 'ataa_transparency_witness_lag_entries',
      help: 'Entries appended to campaign logs and not yet cosigned by the witness (over the logs waiting for witnesses)',
      labelNames: ['witness'],
      registers: [this.metrics.registry],
      async collect() {
        const lag = await repository.lag(witnesses.map((w) => w.vkey));
        for (const w of witnesses) this.set({ witness: w.name }, lag.get(w.vkey) ?? 0);
      },
    });
  }
}

import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Registry, Histogram } from 'prom-client';
import { SeriesHistogram } from './route-histogram.js';

export interface HttpRouteMetrics {
  /** Counts one answered request (`ataa_http_requests_total`) and observes its duration. */
  record(status: number, seconds: number): void;
}

interface PendingCount {
  readonly labels: { method: string; route: string; status: string };
  pending: number;
}

/** The process's Prometheus registry. Libs register their own metrics here. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: SeriesHistogram;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'ataa_' });
    this.httpRequests = new Counter({
      name: 'ataa_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
      collect: () => {
        for (const count of this.pendingRequests) {
          if (count.pending === 0) continue;
          this.httpRequests.inc(count.labels, count.pending);
          count.pending = 0;
        }
      },
    });
    this.httpDuration = new SeriesHistogram(
      'ataa_http_request_duration_seconds',
      'HTTP request duration by method and route',
      ['method', 'route'],
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      this.registry,
    );
  }

  /**
   * The request metrics of one route and method, made once (per route, when it is registered) so
   * that a request only counts and observes: no label objects or strings built per request.
   */
  httpRoute(method: string, route: string): HttpRouteMetrics {
    const key = `${method} ${route}`;
    let found = this.routes.get(key);
    if (!found) {
      const duration = this.httpDuration.series({ method, route });
      const byStatus = new Map<number, PendingCount>();
      found = {
        record: (status: number, seconds: number) => {
          let requests = byStatus.get(status);
          if (!requests) {
            requests = { labels: { method, route, status: String(status) }, pending: 0 };
            byStatus.set(status, requests);
            this.pendingRequests.push(requests);
          }
          requests.pending++;
          duration.observe(seconds);
        },
      };
      this.routes.set(key, found);
    }
    return found;
  }
  private readonly routes = new Map<string, HttpRouteMetrics>();
  /** Requests counted since the last scrape, added to ataa_http_requests_total when it is read. */
  private readonly pendingRequests: PendingCount[] = [];

  /** A gauge whose value is read when Prometheus scrapes (for example a queue or outbox backlog). */
  gauge(name: string, help: string, collect: () => Promise<number> | number): Gauge {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Gauge;
    return new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        this.set(await collect());
      },
    });
  }

  counter<L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Counter<L>;
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string>(name: string, help: string, labelNames: L[] = [], buckets?: number[]): Histogram<L> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Histogram<L>;
    return new Histogram({ name, help, labelNames, registers: [this.registry], ...(buckets ? { buckets } : {}) });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

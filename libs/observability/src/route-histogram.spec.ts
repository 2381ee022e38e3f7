import { Histogram, Registry } from 'prom-client';
import { SeriesHistogram } from './route-histogram.js';

describe('SeriesHistogram', () => {
  const buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
  const observations: [Record<string, string>, number][] = [
    [{ method: 'GET', route: '/api/v1/meta' }, 0.0004],
    [{ method: 'GET', route: '/api/v1/meta' }, 0.001],
    [{ method: 'GET', route: '/api/v1/meta' }, 0.03],
    [{ method: 'POST', route: '/c/:slug' }, 0.3],
    [{ method: 'POST', route: '/c/:slug' }, 7],
  ];

  it('exposes the same text and JSON as prom-client for the same observations', async () => {
    const theirs = new Registry();
    const reference = new Histogram({ name: 'x_seconds', help: 'h', labelNames: ['method', 'route'], buckets, registers: [theirs] });
    const ours = new Registry();
    const histogram = new SeriesHistogram('x_seconds', 'h', ['method', 'route'], buckets, ours);
    for (const [labels, value] of observations) {
      reference.observe(labels, value);
      histogram.series(labels).observe(value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });

  it('gives the same series for the same labels, and resets to zero', async () => {
    const registry = new Registry();
    const histogram = new SeriesHistogram('y_seconds', 'h', ['method', 'route'], buckets, registry);
    expect(histogram.series({ method: 'GET', route: '/a' })).toBe(histogram.series({ route: '/a', method: 'GET' }));
    histogram.series({ method: 'GET', route: '/a' }).observe(0.2);
    registry.resetMetrics();
    expect(await registry.metrics()).toContain('y_seconds_count{method="GET",route="/a"} 0');
  });
});

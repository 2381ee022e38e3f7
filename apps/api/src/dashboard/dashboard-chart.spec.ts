import { barChart, dailySeries, niceMax, periodStarts, seriesStart } from './dashboard-chart.js';

describe('dashboard chart geometry', () => {
  const now = new Date('2025-03-12T15:30:00Z'); // a Wednesday

  it('has one entry per day for the last 30 days, oldest first, zero where nothing came', () => {
    const series = dailySeries([{ day: '2025-03-12', gifts: 3 }, { day: '2025-02-11', gifts: 2 }, { day: '2025-02-10', gifts: 9 }], now);
    expect(series).toHaveLength(30);
    expect(series[0]).toEqual({ day: '2025-02-11', gifts: 2 });
    expect(series[29]).toEqual({ day: '2025-03-12', gifts: 3 });
    expect(series.filter((d) => d.gifts > 0)).toHaveLength(2); // 2025-02-10 is outside the window
    expect(seriesStart(now).toISOString()).toBe('2025-02-11T00:00:00.000Z');
  });

  it('rounds the scale up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 1, 2, 3, 7, 10, 11, 49, 51, 999].map(niceMax)).toEqual([1, 1, 2, 5, 10, 10, 20, 50, 100, 1000]);
  });

  it('draws bars in time order inside the plot, proportional to the scale, and none for empty days', () => {
    const chart = barChart([{ day: 'a', gifts: 0 }, { day: 'b', gifts: 5 }, { day: 'c', gifts: 10 }], { width: 324, height: 200, padding: 24 });
    expect(chart.max).toBe(10);
    const [a, b, c] = chart.bars;
    expect(a.height).toBe(0);
    expect(c.y).toBe(chart.top);
    expect(c.y + c.height).toBe(chart.baseline);
    expect(b.height).toBeCloseTo(c.height / 2, 5);
    expect(a.x).toBeLessThan(b.x);
    expect(b.x).toBeLessThan(c.x);
    expect(c.x + c.width).toBeLessThanOrEqual(chart.width);
    expect(chart.ticks.map((t) => t.value)).toEqual([0, 5, 10]);
  });

  it('keeps a single gift visible on a tall scale', () => {
    const chart = barChart([{ day: 'a', gifts: 1 }, { day: 'b', gifts: 1000 }], { height: 124, padding: 24 });
    expect(chart.bars[0].height).toBeGreaterThanOrEqual(1);
  });

  it('starts the week on Monday and the month on the 1st, in UTC', () => {
    expect(periodStarts(now)).toEqual({ weekStart: new Date('2025-03-10T00:00:00Z'), monthStart: new Date('2025-03-01T00:00:00Z') });
    expect(periodStarts(new Date('2025-03-09T23:59:59Z')).weekStart).toEqual(new Date('2025-03-03T00:00:00Z')); // a Sunday
  });
});

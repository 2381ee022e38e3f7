import { CARD_RENDERER_VERSION, renderShareCard } from './share-card.renderer.js';
import { shareCardKey, type ShareCardFigures } from './campaign-share.js';

export interface ShareCard {
  png: Buffer;
  /** The hash of what is drawn: the card's ETag. */
  key: string;
}

interface Entry extends ShareCard {
  renderedAt: number;
}

/** A card is re-rendered at most this often per campaign, however often its totals change. */
export const CARD_MIN_INTERVAL_MS = 60_000;

/**
 * Share cards in memory, one per campaign (LRU, bounded). A campaign's card is redrawn when what it
 * shows changed, but at most once a minute: in between, the last card is served (a little behind the
 * page, never blank). A redraw runs once however many requests ask (single flight); while it runs,
 * requests that have a card get the old one at once, only the very first request waits for it.
 */
export class ShareCardCache {
  private readonly entries = new Map<string, Entry>();
  private readonly rendering = new Map<string, Promise<Entry>>();

  constructor(
    private readonly maxEntries = 200,
    private readonly render: (figures: ShareCardFigures) => Promise<Buffer> = renderShareCard,
    private readonly now: () => number = Date.now,
  ) {}

  async get(figures: ShareCardFigures): Promise<ShareCard> {
    const key = shareCardKey(figures, CARD_RENDERER_VERSION);
    const held = this.entries.get(figures.slug);
    if (held && (held.key === key || this.now() - held.renderedAt < CARD_MIN_INTERVAL_MS)) return this.touch(figures.slug, held);
    const redraw = this.redraw(figures, key);
    if (held) {
      // Off the request's path: the old card now, the new one for the next request.
      redraw.catch(() => undefined);
      return held;
    }
    return redraw;
  }

  private redraw(figures: ShareCardFigures, key: string): Promise<Entry> {
    const running = this.rendering.get(figures.slug);
    if (running) return running;
    const started = this.render(figures).then((png) => {
      const entry = { png, key, renderedAt: this.now() };
      this.entries.delete(figures.slug);
      this.entries.set(figures.slug, entry);
      for (const oldest of this.entries.keys()) {
        if (this.entries.size <= this.maxEntries) break;
        this.entries.delete(oldest);
      }
      return entry;
    }).finally(() => this.rendering.delete(figures.slug));
    this.rendering.set(figures.slug, started);
    return started;
  }

  private touch(slug: string, entry: Entry): Entry {
    this.entries.delete(slug);
    this.entries.set(slug, entry);
    return entry;
  }
}

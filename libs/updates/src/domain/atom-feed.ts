/**
 * Atom 1.0 (RFC 4287) for a campaign's updates. Pure: the caller gives absolute URLs. Text is
 * escaped for XML once; an entry's HTML content is carried as `type="html"` (escaped markup), the
 * form every feed reader accepts. Characters XML 1.0 cannot carry are dropped.
 */
export interface AtomEntry {
  /** A stable IRI (`urn:uuid:<id>`). */
  id: string;
  title: string;
  /** Absolute URL of the entry's page. */
  url: string;
  published: Date;
  updated: Date;
  /** Sanitized HTML. */
  html: string;
  language: string;
}

export interface AtomFeed {
  /** Absolute URL of the feed (its id and `rel="self"`). */
  selfUrl: string;
  /** Absolute URL of the updates page (`rel="alternate"`). */
  pageUrl: string;
  title: string;
  author: string;
  language: string;
  /** The newest entry's update time, or the campaign's when there is none. */
  updated: Date;
  entries: readonly AtomEntry[];
}

const XML_INVALID = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(XML_INVALID, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** RFC 3339 time, whole seconds, UTC. */
function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function renderAtomFeed(feed: AtomFeed): string {
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${escapeXml(feed.language)}">`,
    `  <id>${escapeXml(feed.selfUrl)}</id>`,
    `  <title type="text">${escapeXml(feed.title)}</title>`,
    `  <updated>${rfc3339(feed.updated)}</updated>`,
    `  <author><name>${escapeXml(feed.author)}</name></author>`,
    `  <link rel="self" type="application/atom+xml" href="${escapeXml(feed.selfUrl)}"/>`,
    `  <link rel="alternate" type="text/html" href="${escapeXml(feed.pageUrl)}"/>`,
  ];
  for (const entry of feed.entries) {
    lines.push(
      `  <entry xml:lang="${escapeXml(entry.language)}">`,
      `    <id>${escapeXml(entry.id)}</id>`,
      `    <title type="text">${escapeXml(entry.title)}</title>`,
      `    <link rel="alternate" type="text/html" href="${escapeXml(entry.url)}"/>`,
      `    <published>${rfc3339(entry.published)}</published>`,
      `    <updated>${rfc3339(entry.updated)}</updated>`,
      `    <content type="html">${escapeXml(entry.html)}</content>`,
      '  </entry>',
    );
  }
  lines.push('</feed>', '');
  return lines.join('\n');
}

import { escapeXml, renderAtomFeed } from './atom-feed.js';

describe('renderAtomFeed (Atom 1.0)', () => {
  const feed = renderAtomFeed({
    selfUrl: 'https://ataa.example/c/wells/updates.atom',
    pageUrl: 'https://ataa.example/c/wells/updates',
    title: 'Wells & "pumps" <Mafraq>',
    author: 'Water Org',
    language: 'ar',
    updated: new Date('2026-03-02T10:00:00.123Z'),
    entries: [{
      id: 'urn:uuid:7a1d6c8e-2b3f-4c5d-8e9f-0a1b2c3d4e5f',
      title: 'البئر الأولى\u0007',
      url: 'https://ataa.example/c/wells/updates/7a1d6c8e-2b3f-4c5d-8e9f-0a1b2c3d4e5f',
      published: new Date('2026-03-01T09:00:00Z'),
      updated: new Date('2026-03-02T10:00:00Z'),
      html: '<p>Dug <a href="https://x.example/?a=1&amp;b=2">here</a> ]]></p>',
      language: 'ar',
    }],
  });

  it('is an Atom 1.0 document with the required elements and absolute links', () => {
    expect(feed.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ar">')).toBe(true);
    expect(feed).toContain('<id>https://ataa.example/c/wells/updates.atom</id>');
    expect(feed).toContain('<link rel="self" type="application/atom+xml" href="https://ataa.example/c/wells/updates.atom"/>');
    expect(feed).toContain('<link rel="alternate" type="text/html" href="https://ataa.example/c/wells/updates"/>');
    expect(feed).toContain('<author><name>Water Org</name></author>');
    // RFC 3339 times without fractions.
    expect(feed).toContain('<updated>2026-03-02T10:00:00Z</updated>');
    expect(feed).toContain('<published>2026-03-01T09:00:00Z</published>');
    expect(feed).toContain('<id>urn:uuid:7a1d6c8e-2b3f-4c5d-8e9f-0a1b2c3d4e5f</id>');
    expect(feed.trimEnd().endsWith('</feed>')).toBe(true);
  });

  it('escapes titles and carries the HTML escaped once as type="html"', () => {
    expect(feed).toContain('<title type="text">Wells &amp; &quot;pumps&quot; &lt;Mafraq&gt;</title>');
    expect(feed).toContain('<content type="html">&lt;p&gt;Dug &lt;a href=&quot;https://x.example/?a=1&amp;amp;b=2&quot;&gt;here&lt;/a&gt; ]]&gt;&lt;/p&gt;</content>');
    // A control character XML cannot carry is dropped, not passed through.
    expect(feed).toContain('<title type="text">البئر الأولى</title>');
    expect(feed).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  });

  it('has balanced elements (one feed, one entry)', () => {
    expect(feed.match(/<entry /g)).toHaveLength(1);
    expect(feed.match(/<\/entry>/g)).toHaveLength(1);
    expect(escapeXml(`'&<>"`)).toBe('&apos;&amp;&lt;&gt;&quot;');
  });
});

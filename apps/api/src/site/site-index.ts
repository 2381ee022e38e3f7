/**
 * The texts of /robots.txt and /sitemap.xml (pure: built from the base URL and the listed campaigns).
 */

/** A sitemap holds at most 50,000 URLs: two pages (page, ledger) per campaign. */
export const SITEMAP_MAX_CAMPAIGNS = 25000;

export function robotsTxt(baseUrl: string): string {
  const base = baseUrl.replace(/\/$/, '');
  return [
    'User-agent: *',
    'Allow: /c/',
    'Allow: /api/v1/public/',
    'Disallow: /dashboard',
    'Disallow: /console',
    'Disallow: /operator',
    'Disallow: /api/',
    // Links from e-mails carry a secret in their address; the forms themselves stay open.
    'Disallow: /privacy/export/download',
    'Disallow: /privacy/erase/confirm',
    // The donor page's link page and signed-in pages (the /donor form itself stays open).
    'Disallow: /donor/',
    'Disallow: /invitations/',
    // Per-visitor pages of a campaign: a gift's thank-you page, the report form, the donation POST.
    'Disallow: /c/*/thanks',
    'Disallow: /c/*/flag',
    'Disallow: /c/*/donate',
    '',
    `Sitemap: ${base}/sitemap.xml`,
    '',
  ].join('\n');
}

const escapeXml = (text: string): string => text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

/**
 * One <url> per page and language (`?lang=`), each listing its language alternates (Google's
 * hreflang-in-sitemap form), lastmod the campaign's last change.
 */
export function sitemapXml(baseUrl: string, campaigns: readonly { slug: string; updatedAt: Date }[], languages: readonly string[]): string {
  const base = baseUrl.replace(/\/$/, '');
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">'];
  for (const campaign of campaigns) {
    const lastmod = campaign.updatedAt.toISOString();
    for (const page of ['', '/ledger']) {
      const path = `${base}/c/${encodeURIComponent(campaign.slug)}${page}`;
      const alternates = [
        ...languages.map((l) => `<xhtml:link rel="alternate" hreflang="${l}" href="${escapeXml(`${path}?lang=${l}`)}"/>`),
        `<xhtml:link rel="alternate" hreflang="x-default" href="${escapeXml(path)}"/>`,
      ].join('');
      for (const language of languages) {
        out.push(`<url><loc>${escapeXml(`${path}?lang=${language}`)}</loc><lastmod>${lastmod}</lastmod>${alternates}</url>`);
      }
    }
  }
  out.push('</urlset>', '');
  return out.join('\n');
}

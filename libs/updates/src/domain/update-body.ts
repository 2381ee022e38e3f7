import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

/**
 * An update's Markdown to HTML that is safe to put in a page, a feed and an e-mail. Two layers:
 * markdown-it with raw HTML off (typed tags are shown as text) and its link check (no
 * `javascript:`, `vbscript:`, `file:` or `data:` links), then sanitize-html with an allow-list of
 * tags, attributes and schemes (no `style`, no `on*` handler, no `data:`), so a markdown-it option
 * or plugin added later can never let a script through.
 */
const markdown = new MarkdownIt({ html: false, linkify: true, breaks: false, typographer: false });

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'hr', 'h2', 'h3', 'h4', 'strong', 'em', 's', 'blockquote', 'ul', 'ol', 'li', 'code', 'pre', 'a', 'img', 'table', 'thead', 'tbody', 'tr', 'th', 'td'],
  allowedAttributes: { a: ['href', 'title', 'rel'], img: ['src', 'alt', 'title'], ol: ['start'] },
  allowedSchemes: ['https', 'http', 'mailto'],
  allowedSchemesByTag: { img: ['https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
  // Headings one level below the page's own title.
  transformTags: {
    h1: 'h2', h5: 'h4', h6: 'h4',
    a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow noopener noreferrer' }, true),
  },
  disallowedTagsMode: 'discard',
};

/** The longest Markdown body accepted (code points; the column's CHECK agrees). */
export const UPDATE_BODY_MAX = 20_000;
/** The longest title accepted (code points). */
export const UPDATE_TITLE_MAX = 160;
/** The longest image description (alt text) accepted (code points; the column's CHECK agrees). */
export const UPDATE_IMAGE_ALT_MAX = 300;
/** An image description is an attribute's plain text: anything markup-like (`<`, `>`) is refused, not escaped into view. */
export const PLAIN_IMAGE_ALT = /^[^<>]*$/;

/** Markdown to sanitized HTML. */
export function renderUpdateBody(bodyMarkdown: string): string {
  return sanitizeHtml(markdown.render(bodyMarkdown), SANITIZE);
}

/** Text for HTML content or a quoted attribute (an image's alt in the feed and the e-mail). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The plain text of sanitized HTML (e-mail text part, feed summaries): tags dropped, entities decoded once. */
export function htmlToText(html: string): string {
  const text = sanitizeHtml(html.replace(/<\/(p|h2|h3|h4|li|blockquote|pre|tr)>/g, '$&\n').replace(/<br\s*\/?>/g, '\n'), { allowedTags: [], allowedAttributes: {} });
  return decodeEntities(text).replace(/\n{3,}/g, '\n\n').trim();
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos|#39);/g, (_, name: string) => {
    if (name === 'amp') return '&';
    if (name === 'lt') return '<';
    if (name === 'gt') return '>';
    if (name === 'quot') return '"';
    if (name === 'apos' || name === '#39') return "'";
    const code = name.startsWith('#x') ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return Number.isSafeInteger(code) && code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}

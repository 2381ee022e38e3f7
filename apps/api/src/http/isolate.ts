/**
 * Bidirectional isolation of user-supplied text (names, titles, messages) on the server-rendered
 * pages: a U+202E (or any right-to-left text) inside a name must not reorder what follows it.
 * In markup the templates wrap such values in `<bdi>` (or put `dir="auto"` on their element); these
 * helpers cover the two places a template cannot: a value interpolated into a translated sentence
 * (`fillIsolated`: HTML with the value in `<bdi>`) and plain text such as `<title>` (`isolateText`:
 * FSI ... PDI, the Unicode equivalent of `<bdi>`).
 */

const FSI = '\u2068';
const PDI = '\u2069';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;', '`': '&#x60;', '=': '&#x3D;' };

/** The same escaping as Handlebars' `{{ }}`. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`=]/g, (c) => HTML_ESCAPES[c]);
}

/** A user-supplied string for plain text (a page's `<title>`): isolated with FSI ... PDI. */
export function isolateText(value: string): string {
  return `${FSI}${value}${PDI}`;
}

/**
 * A translated sentence with `{placeholders}` filled in as HTML: the sentence and every value are
 * escaped and each value is wrapped in `<bdi>`. Render the result with `{{{ }}}`.
 */
export function fillIsolated(template: string, values: Record<string, string>): string {
  return template.split(/(\{\w+\})/).map((part) => {
    const key = /^\{(\w+)\}$/.exec(part)?.[1];
    if (key === undefined) return escapeHtml(part);
    const value = values[key];
    return value ? `<bdi>${escapeHtml(value)}</bdi>` : '';
  }).join('');
}

/** The same sentence as plain text (a `<title>`), each value isolated with FSI ... PDI. */
export function fillIsolatedText(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => (values[key] ? isolateText(values[key]) : ''));
}

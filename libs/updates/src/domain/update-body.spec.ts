import { htmlToText, renderUpdateBody } from './update-body.js';

/**
 * Vectors from OWASP's XSS Filter Evasion Cheat Sheet, typed into an update's Markdown. Whatever
 * the vector, the HTML that comes out has no script, no event handler attribute, no style, no
 * javascript:/vbscript:/data: URL, and no element outside the allow-list.
 */
const OWASP_VECTORS = [
  `<SCRIPT SRC=https://xss.rocks/xss.js></SCRIPT>`,
  `javascript:/*--></title></style></textarea></script></xmp><svg/onload='+/"\`/+/onmouseover=1/+/[*/[]/+alert(42);//'>`,
  `<IMG SRC="javascript:alert('XSS');">`,
  `<IMG SRC=javascript:alert('XSS')>`,
  `<IMG SRC=JaVaScRiPt:alert('XSS')>`,
  '<IMG SRC=`javascript:alert("RSnake says, \'XSS\'")`>',
  `<a onmouseover="alert(document.cookie)">xxs link</a>`,
  `<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>`,
  `<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>`,
  `<IMG SRC=# onmouseover="alert('xxs')">`,
  `<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>`,
  `<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041">`,
  `<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>`,
  `<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>`,
  `<IMG SRC="jav\tascript:alert('XSS');">`,
  `<IMG SRC="jav&#x09;ascript:alert('XSS');">`,
  `<IMG SRC="jav&#x0A;ascript:alert('XSS');">`,
  `<IMG SRC=" &#14;  javascript:alert('XSS');">`,
  `<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>`,
  `<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^\`=alert("XSS")>`,
  `<<SCRIPT>alert("XSS");//\\<</SCRIPT>`,
  `<SCRIPT SRC=http://xss.rocks/xss.js?< B >`,
  `<iframe src=http://xss.rocks/scriptlet.html <`,
  `</TITLE><SCRIPT>alert("XSS");</SCRIPT>`,
  `<INPUT TYPE="IMAGE" SRC="javascript:alert('XSS');">`,
  `<BODY BACKGROUND="javascript:alert('XSS')">`,
  `<IMG DYNSRC="javascript:alert('XSS')">`,
  `<STYLE>li {list-style-image: url("javascript:alert('XSS')");}</STYLE><UL><LI>XSS</br>`,
  `<svg/onload=alert('XSS')>`,
  `<BODY ONLOAD=alert('XSS')>`,
  `<LINK REL="stylesheet" HREF="javascript:alert('XSS');">`,
  `<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">`,
  `<IFRAME SRC="javascript:alert('XSS');"></IFRAME>`,
  `<TABLE BACKGROUND="javascript:alert('XSS')">`,
  `<DIV STYLE="background-image: url(javascript:alert('XSS'))">`,
  `<DIV STYLE="width: expression(alert('XSS'));">`,
  `<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.rocks/scriptlet.html"></OBJECT>`,
  `<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIwMDAvc3ZnIiB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv MjAwMC9zdmciIHhtbG5zOnhsaW5rPSJodHRwOi8vd3d3LnczLm9yZy8xOTk5L3hs aW5rIiB2ZXJzaW9uPSIxLjAiIHg9IjAiIHk9IjAiIHdpZHRoPSIxOTQiIGhlaWdodD0iMjAw IiBpZD0ieHNzIj48c2NyaXB0IHR5cGU9InRleHQvZWNtYXNjcmlwdCI+YWxlcnQoIlh TUyIpOzwvc2NyaXB0Pjwvc3ZnPg==" type="image/svg+xml" AllowScriptAccess="always"></EMBED>`,
  `<A HREF="http://0x42.0x0000066.0x7.0x93/">XSS</A>`,
  `<A HREF="javascript:document.location='http://www.google.com/'">XSS</A>`,
  `<a href="jAvAsCrIpT&colon;alert(1)">X</a>`,
  `<a href="&#x6A;avascript:alert(1)">X</a>`,
  // The same ideas in Markdown syntax: links and images whose URL is a script or data.
  `[click](javascript:alert(1))`,
  `[click](JaVaScRiPt:alert(1))`,
  `[click](java\tscript:alert(1))`,
  `[click](&#106;avascript:alert(1))`,
  `[click](vbscript:msgbox(1))`,
  `[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
  `![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)`,
  `![x](javascript:alert(1))`,
  `![x" onerror="alert(1)](https://example.org/a.png)`,
  `[x](https://example.org/"onmouseover="alert(1))`,
  `<https://example.org/" onclick="alert(1)>`,
  `[x](//evil.example/steal)`,
  `<javascript:alert(1)>`,
];

const ALLOWED_TAGS = new Set(['p', 'br', 'hr', 'h2', 'h3', 'h4', 'strong', 'em', 's', 'blockquote', 'ul', 'ol', 'li', 'code', 'pre', 'a', 'img', 'table', 'thead', 'tbody', 'tr', 'th', 'td']);
const ALLOWED_ATTRIBUTES: Record<string, string[]> = { a: ['href', 'title', 'rel'], img: ['src', 'alt', 'title'], ol: ['start'] };

/**
 * Reads the sanitizer's output as markup: every literal `<` must open or close an allowed element
 * whose attributes (double-quoted, as sanitize-html writes them) are allowed for it; text carries
 * `<` only as `&lt;`. Every URL is http(s), mailto or a path (after decoding entities and removing
 * the characters a browser ignores in a scheme).
 */
function assertSafe(html: string): void {
  const tag = /<(\/?)([a-z0-9]+)((?:\s+[a-z-]+="[^"]*")*)\s*(\/?)>/g;
  const stripped = html.replace(tag, (_, _close: string, name: string, attributes: string) => {
    expect(ALLOWED_TAGS.has(name)).toBe(true);
    for (const [, attribute, value] of attributes.matchAll(/\s+([a-z-]+)="([^"]*)"/g)) {
      expect(ALLOWED_ATTRIBUTES[name] ?? []).toContain(attribute);
      if (attribute === 'href' || attribute === 'src') {
        const decoded = value.replace(/&amp;/g, '&').replace(/&#x?[0-9a-f]+;?/gi, '').replace(/&colon;/gi, ':').replace(/[\s\u0000-\u001f]/g, '').toLowerCase();
        expect(decoded).toMatch(/^(https?:|mailto:|\/(?!\/)|#|[^:]*$)/);
      }
    }
    return '';
  });
  // What is left is text: no markup in it.
  expect(stripped).not.toContain('<');
}

describe('renderUpdateBody (Markdown to sanitized HTML)', () => {
  it.each(OWASP_VECTORS.map((v) => [v]))('neutralizes %s', (vector) => {
    assertSafe(renderUpdateBody(vector));
    assertSafe(renderUpdateBody(`Some text\n\n${vector}\n\nmore`));
  });

  it('shows typed HTML as text instead of rendering it', () => {
    expect(renderUpdateBody('<b>bold</b> <script>alert(1)</script>')).toBe('<p>&lt;b&gt;bold&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;</p>\n');
  });

  it('keeps ordinary Markdown: emphasis, lists, https images, links with rel, Arabic text', () => {
    const html = renderUpdateBody('# حفر البئر\n\n**Done**, _finally_.\n\n- one\n- two\n\n![the well](https://example.org/w.jpg)\n\n[report](https://example.org/r)');
    expect(html).toContain('<h2>حفر البئر</h2>');
    expect(html).toContain('<strong>Done</strong>');
    expect(html).toContain('<li>one</li>');
    expect(html).toContain('<img src="https://example.org/w.jpg" alt="the well" />');
    expect(html).toContain('<a href="https://example.org/r" rel="nofollow noopener noreferrer">report</a>');
  });

  it('drops an http image (mixed content) but keeps an http link', () => {
    expect(renderUpdateBody('![x](http://example.org/a.png)')).not.toContain('http://example.org/a.png');
    expect(renderUpdateBody('[x](http://example.org/a)')).toContain('href="http://example.org/a"');
  });

  it('gives the plain text of the HTML for the e-mail text part', () => {
    expect(htmlToText(renderUpdateBody('Water & wells <3\n\n- one\n- two'))).toBe('Water & wells <3\n\none\n\ntwo');
  });
});

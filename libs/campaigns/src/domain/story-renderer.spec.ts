import { renderStory } from './story-renderer.js';

describe('renderStory', () => {
  it('renders Markdown', () => {
    expect(renderStory('# Title\n\nSome **bold** [link](https://example.org)')).toBe(
      '<h1>Title</h1>\n<p>Some <strong>bold</strong> <a href="https://example.org" rel="nofollow noopener noreferrer" target="_blank">link</a></p>\n',
    );
  });

  it.each([
    ['a script tag', '<script>alert(1)</script>'],
    ['an inline handler', '<img src=x onerror=alert(1)>'],
    ['a javascript: link', '[click](javascript:alert(1))'],
    ['a data: image', '![x](data:image/svg+xml;base64,PHN2Zz4=)'],
    ['an iframe', '<iframe src="https://evil.example"></iframe>'],
  ])('never lets %s through as markup', (_label, story) => {
    const html = renderStory(story);
    // Escaped text (&lt;script&gt;) is fine: it shows, it does not run.
    expect(html).not.toMatch(/<script|<iframe|<[^>]*\son\w+=|href="javascript:|src="data:/i);
  });

  it('keeps Arabic (right-to-left) text intact', () => {
    const story = 'نحن نبني **مدرسة** في القرية 🌱';
    expect(renderStory(story)).toBe('<p>نحن نبني <strong>مدرسة</strong> في القرية 🌱</p>\n');
  });
});

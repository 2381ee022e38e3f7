/**
 * WCAG AA contrast failures of a page's visible text. Runs inside the browser
 * (`page.evaluate(contrastFailures)`): it must stay self-contained, using nothing from this module.
 */
export const contrastFailures = (): { out: string[]; checked: number } => {
  const parse = (c: string): number[] | null => {
    const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(c);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : null;
  };
  const luminance = ([r, g, b]: number[]) => {
    const f = (v: number) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el: Element | null): number[] => {
    for (let node = el; node; node = node.parentElement) {
      const bg = parse(getComputedStyle(node).backgroundColor);
      if (bg && bg[3] > 0.99) return bg;
    }
    return [255, 255, 255, 1];
  };
  const out: string[] = [];
  const elements = document.querySelectorAll<HTMLElement>('h1, h2, h3, p, label, a, button, li, dt, dd, span, small, strong, legend, th, td, caption, figcaption, time, bdi, code, option');
  for (const el of elements) {
    const ownText = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim().length > 0);
    const rect = el.getBoundingClientRect();
    if (!ownText || rect.width === 0 || rect.height === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || Number(style.opacity) === 0) continue;
    const fg = parse(style.color);
    if (!fg) continue;
    const bg = background(el);
    // Blend a translucent foreground over its background.
    const blended = fg.slice(0, 3).map((c, i) => c * fg[3] + bg[i] * (1 - fg[3]));
    const [l1, l2] = [luminance(blended), luminance(bg)].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) out.push(`${el.tagName}.${el.className} "${el.textContent!.trim().slice(0, 30)}": ${ratio.toFixed(2)}`);
  }
  return { out, checked: elements.length };
};

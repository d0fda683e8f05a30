/** Elements whose content is never text a reader sees. */
const hiddenElements = new Set(['head', 'script', 'style', 'title']);
/** Elements rendered on lines of their own: they start a line unless one has just started. */
const blockElements = new Set(['p', 'div', 'li', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'table', 'hr']);

const namedEntities: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

const decodeEntities = (text: string): string =>
  text.replace(/&(#[xX][0-9a-fA-F]{1,6}|#\d{1,7}|[a-zA-Z]{2,6});/g, (entity, name: string) => {
    if (!name.startsWith('#')) return namedEntities[name.toLowerCase()] ?? entity;
    const codePoint = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
    return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : entity;
  });

/**
 * A plain-text rendering of an HTML body, for mail that has no text part: tags dropped, block
 * ends as line breaks, entities decoded. It scans once with indexOf, never with a backtracking
 * regular expression, because the HTML comes from anyone who can send mail.
 */
export const htmlToText = (html: string): string => {
  let text = '';
  let atLineStart = true;
  const appendText = (segment: string) => {
    const collapsed = segment.replace(/\s+/g, ' ');
    const piece = atLineStart ? collapsed.trimStart() : collapsed;
    if (piece === '') return;
    text += piece;
    atLineStart = false;
  };
  const endLine = () => {
    text += '\n';
    atLineStart = true;
  };
  let position = 0;
  while (position < html.length) {
    const open = html.indexOf('<', position);
    const close = open === -1 ? -1 : html.indexOf('>', open);
    appendText(open === -1 ? html.slice(position) : html.slice(position, open));
    if (close === -1) break;
    if (html.startsWith('<!--', open)) {
      // Comments (Outlook's conditional ones) may hold `>` and markup.
      const commentEnd = html.indexOf('-->', open + 4);
      position = commentEnd === -1 ? html.length : commentEnd + 3;
      continue;
    }
    const tag = html.slice(open + 1, close);
    const name = /^\/?([a-zA-Z][a-zA-Z0-9]*)/.exec(tag)?.[1]?.toLowerCase() ?? '';
    position = close + 1;
    if (hiddenElements.has(name) && !tag.startsWith('/')) {
      const end = new RegExp(`</${name}\\s*>`, 'gi');
      end.lastIndex = position;
      position = end.exec(html) === null ? html.length : end.lastIndex;
    } else if (name === 'br' || (blockElements.has(name) && !atLineStart)) {
      endLine();
    }
  }
  return decodeEntities(text)
    .split('\n')
    .map((line) => line.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
};

import { describe, expect, it } from 'vitest';
import { htmlToText } from '../../../../functions/providers/email/html-text.ts';

describe('htmlToText', () => {
  it('drops tags, ends lines at block elements and decodes entities', () => {
    // Prepare
    const html = '<html><head><title>t</title><style>p { color: red }</style></head><body>\n  <p>Hello&nbsp;Ana,</p><div>Order &#35;1042 &amp; order &#x23;1043 are <b>on their way</b>.<br>Thanks</div>\n</body></html>';

    // Act
    const text = htmlToText(html);

    // Assess
    expect(text).toBe('Hello Ana,\nOrder #1042 & order #1043 are on their way.\nThanks');
  });

  it('drops scripts and comments, including the markup inside them', () => {
    expect(htmlToText('<script>if (a > b) alert("x")</script><!--[if mso]><p>Outlook</p><![endif]-->Hi')).toBe('Hi');
  });

  it('leaves unknown entities and out-of-range code points as written', () => {
    expect(htmlToText('&copy; &#x110000;')).toBe('&copy; &#x110000;');
  });

  it('stops at an unterminated tag', () => {
    expect(htmlToText('Hi <a href="x')).toBe('Hi');
  });

  it.each([
    ['unclosed hidden elements', `${'<style>'.repeat(20_000)}${' '.repeat(200_000)}x`],
    ['runs of empty blocks and spaces', `${'<p> <i> </i>'.repeat(50_000)}x`],
    ['tags that never close', `${'<a '.repeat(50_000)}`],
  ])('takes linear time on %s, crafted to make a naive scan quadratic', (_, crafted) => {
    const started = performance.now();
    htmlToText(crafted);

    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

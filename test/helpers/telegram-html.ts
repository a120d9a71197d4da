/**
 * A validator for Telegram's HTML parse mode (https://core.telegram.org/bots/api#html-style), written
 * from the Bot API's rules rather than from our formatter, so that the formatter is checked against
 * what Telegram accepts: only its tags (b strong i em u ins s strike del span.tg-spoiler tg-spoiler
 * a[href] tg-emoji code pre blockquote[expandable]), properly nested and closed, no blockquote inside a
 * blockquote, nothing but code inside pre and nothing inside code; every other < > & escaped as
 * &lt; &gt; &amp; (&quot; and numeric entities are allowed too); no lone UTF-16 surrogate.
 * Throws on the first violation; returns the visible text (entities decoded).
 */
const TAGS: Record<string, RegExp> = {
  b: /^$/,
  strong: /^$/,
  i: /^$/,
  em: /^$/,
  u: /^$/,
  ins: /^$/,
  s: /^$/,
  strike: /^$/,
  del: /^$/,
  'tg-spoiler': /^$/,
  span: /^ class="tg-spoiler"$/,
  a: /^ href="[^"<>]*"$/,
  'tg-emoji': /^ emoji-id="\d+"$/,
  code: /^(?: class="language-[\w+-]+")?$/,
  pre: /^$/,
  blockquote: /^(?: expandable)?$/,
};

const ENTITY = /^&(?:lt|gt|amp|quot|#\d{1,7}|#x[\da-fA-F]{1,6});/;

export function checkTelegramHtml(text: string): string {
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)) throw new Error('lone surrogate');
  const open: string[] = [];
  let visible = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '<') {
      const m = /^<(\/?)([a-z-]+)([^<>]*)>/.exec(text.slice(i, i + 200));
      if (!m) throw new Error(`stray < at ${i}: ${JSON.stringify(text.slice(i, i + 30))}`);
      const [whole, close, tag, attrs] = m as unknown as [string, string, string, string];
      const rule = TAGS[tag];
      if (!rule) throw new Error(`tag <${tag}> is not in Telegram's HTML`);
      if (close) {
        if (attrs !== '') throw new Error(`attributes on </${tag}>`);
        if (open.pop() !== tag) throw new Error(`</${tag}> closes nothing open at ${i}`);
      } else {
        if (!rule.test(attrs)) throw new Error(`bad attributes on <${tag}>: ${JSON.stringify(attrs)}`);
        const parent = open[open.length - 1];
        if (parent === 'code') throw new Error(`<${tag}> inside <code>`);
        if (parent === 'pre' && tag !== 'code') throw new Error(`<${tag}> inside <pre>`);
        if (tag === 'blockquote' && open.includes('blockquote')) throw new Error('blockquote inside blockquote');
        open.push(tag);
      }
      i += whole.length;
    } else if (ch === '>') {
      throw new Error(`stray > at ${i}`);
    } else if (ch === '&') {
      const m = ENTITY.exec(text.slice(i, i + 12));
      if (!m) throw new Error(`bare & at ${i}: ${JSON.stringify(text.slice(i, i + 12))}`);
      const e = m[0];
      visible += e === '&lt;' ? '<' : e === '&gt;' ? '>' : e === '&amp;' ? '&' : e === '&quot;' ? '"' : String.fromCodePoint(Number(e.startsWith('&#x') ? `0x${e.slice(3, -1)}` : e.slice(2, -1)));
      i += e.length;
    } else {
      visible += ch;
      i++;
    }
  }
  if (open.length) throw new Error(`unclosed ${open.map((t) => `<${t}>`).join(' ')}`);
  return visible;
}

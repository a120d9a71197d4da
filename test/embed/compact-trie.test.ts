// The compact vocabulary lookup must find exactly the pieces a trie would: every vocabulary piece that
// is a prefix of the text, shortest first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CharTrie } from '@xenova/transformers/src/utils/data-structures.js';
import { installCompactTrie } from '../../src/embed/compact-trie.js';

installCompactTrie();

const prefixesIn = (pieces: string[], text: string) =>
  [...new Set(pieces)].filter((p) => p.length > 0 && text.startsWith(p)).sort((a, b) => a.length - b.length);

test('finds every piece that starts the text, shortest first', () => {
  const trie = new CharTrie();
  trie.extend(['▁', '▁法', '▁法治', '▁法治政府', '法', '治', 'ab', 'abc', 'abcdef', '🙂']);
  assert.deepEqual([...trie.commonPrefixSearch('▁法治政府建设')], ['▁', '▁法', '▁法治', '▁法治政府']);
  assert.deepEqual([...trie.commonPrefixSearch('abcdx')], ['ab', 'abc']);
  assert.deepEqual([...trie.commonPrefixSearch('x法')], []);
  assert.deepEqual([...trie.commonPrefixSearch('')], []);
  // A piece beyond U+FFFF is found (the original trie never found one: see compact-trie.ts).
  assert.deepEqual([...trie.commonPrefixSearch('🙂好')], ['🙂']);
});

test('agrees with a brute-force search on random vocabularies', () => {
  const unit = fc.constantFrom('a', 'b', '法', '治', '▁', '政');
  const word = fc.array(unit, { minLength: 1, maxLength: 6 }).map((a) => a.join(''));
  fc.assert(
    fc.property(fc.array(word, { minLength: 1, maxLength: 30 }), word, (pieces, text) => {
      const trie = new CharTrie();
      trie.extend(pieces);
      assert.deepEqual([...trie.commonPrefixSearch(text)], prefixesIn(pieces, text));
    }),
    { numRuns: 500 },
  );
});

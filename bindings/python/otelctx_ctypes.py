# SPDX-License-Identifier: Apache-2.0
"""libotelctx.so through ctypes, without the extension: the declarations a
pure-Python SDK needs to publish per OS thread (for per-task publishing it
would still need a hook around each task step; see README.md). Each call
costs a ctypes transition, several times the extension's (cost.py)."""
import ctypes


class Attr(ctypes.Structure):
    """otelctx_attr: key index, value bytes (need not end in NUL), length."""
    _fields_ = [("key", ctypes.c_uint8), ("value", ctypes.c_char_p), ("len", ctypes.c_size_t)]


def load(path):
    """libotelctx.so at path, with the argument and result types of the
    calls used here (pointers as c_void_p, so records round-trip)."""
    lib = ctypes.CDLL(path)
    lib.otelctx_key_index.argtypes = [ctypes.c_char_p]
    lib.otelctx_key_index.restype = ctypes.c_int
    lib.otelctx_update.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint8,
                                   ctypes.POINTER(Attr), ctypes.c_size_t]
    lib.otelctx_update.restype = ctypes.c_int
    lib.otelctx_record_new.argtypes = []
    lib.otelctx_record_new.restype = ctypes.c_void_p
    lib.otelctx_record_set.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                       ctypes.c_uint8, ctypes.POINTER(Attr), ctypes.c_size_t]
    lib.otelctx_record_set.restype = ctypes.c_int
    lib.otelctx_attach.argtypes = [ctypes.c_void_p]
    lib.otelctx_attach.restype = ctypes.c_void_p
    lib.otelctx_detach.argtypes = []
    lib.otelctx_detach.restype = ctypes.c_void_p
    lib.otelctx_strerror.argtypes = [ctypes.c_int]
    lib.otelctx_strerror.restype = ctypes.c_char_p
    return lib


def attrs(pairs):
    """An otelctx_attr array from (key index, str) pairs; keep it (and so the
    encoded values it points at) alive while it is used."""
    encoded = [(key, value.encode()) for key, value in pairs]
    array = (Attr * len(encoded))(*[Attr(key, value, len(value)) for key, value in encoded])
    array.values = encoded
    return array


def checked(lib, ret):
    """ret, or OSError naming the negative errno through otelctx_strerror."""
    if ret < 0:
        raise OSError(-ret, lib.otelctx_strerror(ret).decode())
    return ret

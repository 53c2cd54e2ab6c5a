# SPDX-License-Identifier: Apache-2.0
"""otelctx-inspect's text output, as tests look for it."""
import re


def thread_line(stdout, tid, rest, whole=True):
    """Whether stdout has the line of thread tid saying rest (or, whole
    False, beginning with it): "  thread TID: ..." or, when the thread has a
    name, "  thread TID (NAME): ..."."""
    end = "$" if whole else ""
    pattern = rf"^  thread {tid}(?: \(.*\))?: {re.escape(rest)}{end}"
    return re.search(pattern, stdout, re.MULTILINE) is not None

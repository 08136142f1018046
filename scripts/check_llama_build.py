"""Exit 1 when the installed llama-cpp-python was built for this CPU rather than for any x86-64 server.

A wheel built with the build machine's native instruction sets (AVX-512, AVX-VNNI, AMX) crashes on a
CPU without them, and on some with them (issue 15). The Makefile runs this after installing and
rebuilds the package when it fails; tests/test_llm.py runs it too.

    .venv/bin/python scripts/check_llama_build.py
"""

from __future__ import annotations

import re
import sys

#: Instruction sets a portable build (GGML_NATIVE=OFF and the Makefile's CMAKE_ARGS) leaves out.
NOT_PORTABLE = ("AVX512", "AVX_VNNI", "AMX")


def compiled_features() -> list[str]:
    """The CPU features compiled into the installed llama.cpp, as its system info reports them ('AVX2 = 1')."""
    import llama_cpp

    return re.findall(r"(\w+) = 1", llama_cpp.llama_print_system_info().decode())


def main() -> int:
    features = compiled_features()
    native = [f for f in features if f.startswith(NOT_PORTABLE)]
    if native:
        print(f"llama-cpp-python was built for this CPU ({', '.join(native)}); rebuild it portably", file=sys.stderr)
        return 1
    print(f"llama-cpp-python is portable: {', '.join(features)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

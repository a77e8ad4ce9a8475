"""The machine section: the CPU, memory, OS, JDK and OpenBLAS every other section ran on, from two JSON files
bench/report writes when it runs: machine.json (bench/render/machine_facts.py: the comparison harness's facts,
read from the system) and gatun-info.json (the last line of `./gatun info --json`: the JDK and the BLAS library
Gatun loads; files written before `gatun info` named any library but OpenBLAS have openblas_* keys instead)."""
import jmh

TITLE = "Machine"
MEASURED = ("The machine and software the sections below ran on, read from the system and from `./gatun info "
            "--json` when this report ran.")


def _document(results, key):
    """The first JSON object among the inputs that has key: the facts have cpu_model, Gatun's info blas_version."""
    return next((d for d in results.documents if isinstance(d, dict) and key in d), None)


def _get(results, document, key, source):
    v = None if document is None else document.get(key)
    if v in (None, ""):
        results.note(f"{key} (from {source})")
        return jmh.MISSING
    return v


def body(results):
    facts = _document(results, "cpu_model")
    info = _document(results, "blas_version") or _document(results, "openblas_config")

    def fact(key):
        return _get(results, facts, key, "machine.json")

    def gatun(key, older=None):
        if info is not None and key not in info and older in info:
            key = older
        return _get(results, info, key, "gatun-info.json")
    flags = fact("cpu_flags")
    virtual = ", virtualised" if facts and facts.get("hypervisor") else ""
    jdk = info.get("jdk") if info and info.get("jdk") else fact("jdk")
    lines = [
        f"- CPU: {fact('cpu_model')}, {fact('logical_cpus')} logical CPUs ({fact('usable_cpus')} usable){virtual}; "
        f"SIMD flags: {' '.join(flags) if isinstance(flags, list) else flags}",
        f"- memory: {fact('memory_gib')} GiB; OS: {fact('os')}, kernel {fact('kernel')}",
        f"- JDK: {jdk}",
        f"- BLAS: OpenBLAS package {fact('openblas_package')}; Gatun loads `{gatun('blas_version', 'openblas_config')}`, "
        f"kernels {gatun('blas_kernel_set', 'openblas_core')}; library {gatun('blas_library', 'openblas_library')}; "
        f"{gatun('blas_threads')} threads by default",
        f"- C compiler (the gemm section's C side): {fact('gcc')}",
        "",
    ]
    missing = results.take_unlisted()
    if missing:
        lines += ["Not found (shown as —): " + ", ".join(missing) + ".", ""]
    return lines

"""Process-wide machinery under the ops, and nothing else; it imports only `chainrule.config`.

- `threads`: the op thread pool that runs an op's batch chunks (`map_chunks`);
- `blas`: BLAS held at one thread while the op threads run (threadpoolctl);
- `kernels`: the Numba loader, loading compiled loops at their first use (`compiled`, `load`);
- `buffers`: big activation and gradient arrays reused across training steps;
- `scratch`: per-thread scratch buffers for per-image temporaries;
- `batch`: the one helper ops use for all of the above (`Batch`: chunks, threads, buffers,
  compiled loops).
"""

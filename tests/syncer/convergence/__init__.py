"""The convergence property (issue 15): a CDP kept current by incremental polls equals a fresh
sync of the same org, up to the differences ``compare`` documents.

``harness`` drives the mock org and two syncers; ``compare`` holds the comparison and what it
accepts as a legitimate difference; ``machine`` is the hypothesis state machine. The CI test,
the shrunk regressions and ``bench/convergence_bench.py`` all use them.
"""

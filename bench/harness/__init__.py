"""Shared plumbing for the benchmarks and the multi-process tests.

Kept out of ``bench/*.py`` on purpose (``make bench`` runs every script there):

* :mod:`.common`: machine description, percentiles, tables, throwaway PostgreSQL
  databases, free ports;
* :mod:`.emulator_server`: the Clerk emulator as a separate process (so a load
  generator never shares a GIL with the server it measures);
* :mod:`.backend`: ``reflex run --env prod --backend-only`` as a managed child process;
* :mod:`.protocol`: a browser stand-in speaking Reflex's websocket protocol.
"""

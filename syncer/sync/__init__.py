"""Streams, cursors and the sync loop (initial, incremental, backfill, outbound)."""

"""One sub-package per social network; `registry` finds the adapter for a network name."""

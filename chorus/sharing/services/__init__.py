"""Every write in sharing with a side effect, one module per domain; import from the module."""

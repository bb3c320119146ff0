"""Node types: each a module that declares itself to the registry."""

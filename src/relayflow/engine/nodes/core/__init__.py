"""The built-in node types; every module here is loaded into the registry."""

"""System parameters: named, typed settings in groups, overridable per cart."""

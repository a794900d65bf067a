"""CA's REST resources, one module per concern. Handlers are synchronous: state changes never interleave."""

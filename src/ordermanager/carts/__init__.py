"""Shopping cart definitions and the connectors that talk to them."""

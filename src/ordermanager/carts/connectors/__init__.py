"""Connectors: how the order manager talks to each type of cart. Only the stack controller and importers use them."""

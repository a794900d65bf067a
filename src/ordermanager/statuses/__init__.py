"""Status labels, the fixed catalogue of status events, event rules and the engine that fires them."""

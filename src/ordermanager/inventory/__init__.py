"""Stock on hand per SKU, and its synchronization to the carts (SynchQOH)."""

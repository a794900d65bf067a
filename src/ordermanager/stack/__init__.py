"""The stack: the persistent outgoing queue, and the stack controller that delivers it."""

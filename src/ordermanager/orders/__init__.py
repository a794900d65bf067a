"""Orders, their items, packages and tracking numbers, the actions that change them, and the timeline."""

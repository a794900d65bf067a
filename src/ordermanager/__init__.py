"""The order manager: status events, the stack and the carts it notifies."""

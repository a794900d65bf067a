"""One module per top-menu screen."""

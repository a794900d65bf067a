"""The Maintenance menu: one module per screen, URLs under /maintenance/ (see ordermanager.web's docstring)."""

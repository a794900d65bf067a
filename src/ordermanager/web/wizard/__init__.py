"""The Store Setup Wizard: the first-run path, re-runnable from Maintenance, resuming where the merchant left it."""

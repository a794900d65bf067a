"""The REST API under /api/v1/ (django-ninja): personal tokens, orders, tracking numbers and the stack."""

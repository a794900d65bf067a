"""The merchant's web app: server-rendered Django templates with htmx, served entirely by the product.

How to add a screen (every screen follows this pattern; docs/web.md says the same at more length):

1. Views live in one module per menu: ``web/views/<menu>.py`` (Home, Orders, Stack) or ``web/maintenance/<screen>.py``
   (the Maintenance menu). A view only parses input, calls an ``actions`` function, and renders.
2. Every view is decorated with :func:`ordermanager.web.permissions.requires` and one permission from that module
   (``WORK_ORDERS``, ``WORK_STACK``, ``MANAGE_SETTINGS``, ``MANAGE_CARTS``, ``MANAGE_USERS``). Anonymous users go to the
   login page; a logged-in user without the permission gets 403. Superusers pass every check.
3. Add the URL to ``web/urls.py`` (Home/Orders/Stack) or ``web/maintenance/urls.py`` (under ``/maintenance/``), and a
   Maintenance menu entry to ``web/menu.py``'s ``MAINTENANCE`` list: the top menu and the Maintenance page read it.
4. Templates extend ``web/base.html`` and fill ``{% block title %}`` and ``{% block content %}``; an htmx partial is a
   separate template named ``web/<menu>/_<part>.html``, rendered alone when ``request.htmx`` is true.
5. Bad input: catch :class:`ordermanager.errors.InputError` and show ``error.message`` next to the field named
   ``error.field`` (see ``web/forms.py``); nothing has changed, because the action refused before writing.
6. Give the page a query budget test (``django_assert_max_num_queries``) with seeded data.
"""

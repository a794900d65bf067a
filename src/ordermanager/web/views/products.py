"""Products: the list with search, and a product's page with its levels and history (read only).

Stock changes go through ordermanager.inventory.actions (`ordermanager stock set|adjust|import`).
"""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from ordermanager.inventory.models import Product, StockMove
from ordermanager.stack.models import RecordKind, StackRecord
from ordermanager.web.paging import seek
from ordermanager.web.permissions import WORK_ORDERS, requires

HISTORY = 50


@requires(WORK_ORDERS)
def product_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    query = Product.objects.all()
    if search:
        query = query.filter(Q(sku__icontains=search) | Q(title__icontains=search))
    return render(request, "web/products/list.html", {"page": seek(query, request.GET), "q": search})


@requires(WORK_ORDERS)
def product_page(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=product_id)
    context = {
        "product": product,
        "levels": product.stock_levels.select_related("warehouse"),
        "moves": StockMove.objects.filter(product=product).select_related("warehouse")[:HISTORY],
        "records": StackRecord.objects.filter(kind=RecordKind.INVENTORY_UPDATE, sku=product.sku)
        .select_related("cart")
        .order_by("-id")[:10],
    }
    return render(request, "web/products/product.html", context)

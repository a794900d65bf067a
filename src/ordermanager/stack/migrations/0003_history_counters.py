"""Counters for what is already sent: /metrics now reads them instead of counting the sent records."""

from django.db import migrations
from django.db.models import Count, Sum

BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0)  # as stack.metrics had them then


def _key(name, labels):
    return name + "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def count_the_sent(apps, schema_editor):
    StackRecord = apps.get_model("stack", "StackRecord")
    Metric = apps.get_model("stack", "Metric")
    sent = StackRecord.objects.filter(state="sent")
    counters = {}
    for row in sent.values("kind", "cart__store_name").annotate(n=Count("id")).order_by():
        labels = {"kind": row["kind"], "cart": row["cart__store_name"] or "email"}
        counters[_key("ordermanager_stack_sent_total", labels)] = row["n"]
    timed = sent.filter(delivery_seconds__isnull=False).values("kind", "cart__store_name")
    name = "ordermanager_stack_delivery_seconds"
    for row in timed.annotate(total=Sum("delivery_seconds")).order_by():
        labels = {"kind": row["kind"], "cart": row["cart__store_name"] or "email"}
        counters[_key(name + "_sum", labels)] = row["total"]
    # Each delivery counted in the one bucket its time falls in (the scrape adds them up).
    lower = None
    for bound in [*BUCKETS, None]:
        chosen = timed.filter(delivery_seconds__gt=lower) if lower is not None else timed
        chosen = chosen.filter(delivery_seconds__lte=bound) if bound is not None else chosen
        for row in chosen.annotate(n=Count("id")).order_by():
            labels = {"kind": row["kind"], "cart": row["cart__store_name"] or "email"}
            le = str(bound) if bound is not None else "+Inf"
            counters[_key(name + "_in_bucket", {**labels, "le": le})] = row["n"]
        lower = bound
    Metric.objects.bulk_create([Metric(key=key, value=value) for key, value in counters.items()])


class Migration(migrations.Migration):
    dependencies = [("stack", "0002_web_indexes")]

    operations = [migrations.RunPython(count_the_sent, migrations.RunPython.noop)]

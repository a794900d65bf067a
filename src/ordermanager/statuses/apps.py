from ordermanager import catalogues


class StatusesConfig(catalogues.CatalogueConfig):
    name = "ordermanager.statuses"
    verbose_name = "Status events"
    sync_rows = "ordermanager.statuses.actions.sync_rule_rows"

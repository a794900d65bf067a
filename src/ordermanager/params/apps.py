from ordermanager import catalogues


class ParamsConfig(catalogues.CatalogueConfig):
    name = "ordermanager.params"
    verbose_name = "System parameters"
    sync_rows = "ordermanager.params.actions.sync_parameter_rows"

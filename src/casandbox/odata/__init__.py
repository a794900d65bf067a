"""The OData v4 subset that CA's REST API accepts: $filter, $select, $expand, $orderby, paging."""


class ODataError(ValueError):
    """A query the API rejects with 400 and this message."""

"""plaincrm: customer records as code — the engine behind the `crm` command and the site."""

__version__ = "0.1.0"

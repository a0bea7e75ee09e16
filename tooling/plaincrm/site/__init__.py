"""The static site: pages generated in memory from the derived views, engine-independent.

`pages` builds them, `mkdocs_plugin` hands them to MkDocs, `crm pages` writes them to a
folder for any other engine.
"""

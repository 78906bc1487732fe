"""One module per app view; each a function of the open graph (`graph.query.KG`) and its arguments.

The app and the CLI call the same functions and show what they return: rows of plain
values, or a frozen record. A view never imports the CLI, streamlit or another view's privates.
"""

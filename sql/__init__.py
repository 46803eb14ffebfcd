"""The warehouse's views, one per `.sql` file in layer folders (package data: this file only makes
the folder a package, so `importlib.resources` finds it in a wheel and in the editable checkout)."""

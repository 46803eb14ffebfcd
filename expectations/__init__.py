"""The expectation suites, one per `.json` file (package data: this file only makes the folder a
package, so `importlib.resources` finds it in a wheel and in the editable checkout)."""

"""The tool's version, in a module of its own: build and export stamp it, and the package
`__init__` re-exports it, without either importing the package that imports them."""

__version__ = "0.1.0"

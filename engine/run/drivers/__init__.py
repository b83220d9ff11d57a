"""Endpoint drivers: the HTTP clients for Zuora and NetSuite, files, paging and limits.

A regular package (not a namespace one) so tools that read the import graph, such as
import-linter, see it.
"""

"""Tests of the transform registry and every built-in transform."""

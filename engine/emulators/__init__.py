"""Local emulators of the Zuora and NetSuite APIs, served over real HTTP on loopback.

They exist because there is no network to the real services here: drivers are tested against
them, and ``make demo`` runs the main job against them. They follow the real APIs' shapes as
documented in ``docs/emulators.md``; where the real behaviour is unknown they choose the stricter.
"""

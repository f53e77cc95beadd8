"""The teaching app: Mesa's SolaraViz page around a negotiation, served offline.

- ``page``: the Solara page (controls, views, event log), one model per browser session;
- ``model``: ``TeachingModel``, a run set up from the app's classroom-friendly controls;
- ``views``: the figures, redrawn by blitting, testable and timed without a browser;
- ``text``: the event log and status in words;
- ``server``: ``negsim app`` (checks, offline web assets in ``assets/``, the Solara process).

Importing this package imports neither Solara nor Mesa's visualisation, so ``negsim app``
without the ``app`` extra can say how to install it.
"""

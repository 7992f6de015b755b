"""The care organisation's web app (Django): couples, loaned devices, consented reports.

Started with `timeout-care portal` (or `make portal`): care.portal.serve. Settings in
care.portal.settings; everything a partner did not share is filtered out (care.report.collect)
before anything is stored. CPython only.
"""

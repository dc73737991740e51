"""The JSON API under ``/api``: one blueprint per feature, thin handlers over the services."""

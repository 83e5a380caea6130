"""Test and benchmark support: tiny random models built in code (no hub). Not used by the product."""

"""HTTP only: pages, their forms and presentation, and the REST API."""

"""The shop API (`/api/v1/`): a thin DRF layer over the services, for tills and web shops."""
